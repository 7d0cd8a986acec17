"""Safe cells for every Excel export (lists, monthly report, catalogue and hall exports).

Text from users is written as text, never as a formula: openpyxl turns any string that starts
with "=" into a live formula (`<f>` in the file), so appeal text such as
`=HYPERLINK("http://…"&A1,"点击")` would run in a clerk's Excel (OWASP "CSV injection").
Every string is typed as a string cell; characters XML 1.0 cannot carry are dropped instead
of failing the whole export.
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# OWASP: cells starting with these are interpreted by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_cell(ws, value: str):
    """A cell holding `value` as plain text, whatever it starts with."""
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # never "f": a string, not a formula
    return cell


def append_row(ws, values) -> None:
    """`ws.append(values)` with every string written as text. Use it for every row."""
    ws.append([text_cell(ws, v) if isinstance(v, str) else v for v in values])


def set_cell(cell, value) -> None:
    """Write `value` into an existing cell: a string as a text cell, never a formula."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
