"""Excel cells: anything that came from a person is written as text, never as a formula."""

from mashang.core.spreadsheet import set_cell


def text_cell(ws, row: int, column: int, value) -> None:
    """Write `value` at (row, column) through the one safe writer (core.spreadsheet)."""
    set_cell(ws.cell(row=row, column=column), value)
