"""Excel of grants and of the figures per policy. Cells from user input go through safe_text."""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from .metrics import METRICS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """Text a spreadsheet will never run as a formula (CSV/formula injection).

    Kept in one place: the coordinator swaps in the shared safe-cell writer from core."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _local(dt):
    return timezone.localtime(dt).replace(tzinfo=None) if dt else None


def grants_workbook(grants, out, *, by_policy: list[dict]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "发放清单"
    ws.append(
        [
            "政策",
            "文号",
            "期间",
            "受益方",
            "统一社会信用代码",
            "金额（元）",
            "状态",
            "凭证号",
            "核准时间",
            "拨付时间",
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for g in grants.select_related("firm").iterator(chunk_size=2000):
        ws.append(
            [
                safe_text(g.policy.name),
                safe_text(g.policy.doc_number),
                g.period,
                safe_text(g.name),
                g.firm.credit_code if g.firm_id else "",
                g.amount,
                g.get_status_display(),
                safe_text(g.voucher),
                _local(g.approved_at),
                _local(g.paid_at),
            ]
        )
        ws.cell(ws.max_row, 6).number_format = "#,##0.00"
    sheet = wb.create_sheet("按政策统计")
    keys = [m for m in METRICS if m.key != "policies"]
    sheet.append(["政策", "文号", *[m.label for m in keys]])
    for row in by_policy:
        sheet.append(
            [safe_text(row["policy"].name), safe_text(row["policy"].doc_number)]
            + [row[m.key] for m in keys]
        )
    wb.save(out)
