"""Excel cells: anything that came from a person is written as text, never as a formula."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_cell(ws, row: int, column: int, value) -> None:
    """Write `value` at (row, column); strings are stored as text and, when they start like a
    formula (=, +, -, @, tab, CR), prefixed with ' so no spreadsheet ever evaluates them."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            value = "'" + value
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
