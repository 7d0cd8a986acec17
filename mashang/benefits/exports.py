"""Excel of grants and of the figures per policy; every row through core.spreadsheet.append_row."""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from mashang.core.spreadsheet import append_row

from .metrics import METRICS


def _local(dt):
    return timezone.localtime(dt).replace(tzinfo=None) if dt else None


def grants_workbook(grants, out, *, by_policy: list[dict]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "发放清单"
    append_row(
        ws,
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
        ],
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for g in grants.select_related("firm").iterator(chunk_size=2000):
        append_row(
            ws,
            [
                g.policy.name,
                g.policy.doc_number,
                g.period,
                g.name,
                g.firm.credit_code if g.firm_id else "",
                g.amount,
                g.get_status_display(),
                g.voucher,
                _local(g.approved_at),
                _local(g.paid_at),
            ],
        )
        ws.cell(ws.max_row, 6).number_format = "#,##0.00"
    sheet = wb.create_sheet("按政策统计")
    keys = [m for m in METRICS if m.key != "policies"]
    append_row(sheet, ["政策", "文号", *[m.label for m in keys]])
    for row in by_policy:
        values = [
            (row[m.key] / 100 if m.rate and row[m.key] is not None else row[m.key]) for m in keys
        ]
        append_row(sheet, [row["policy"].name, row["policy"].doc_number, *values])
        for col, m in enumerate(keys, start=3):
            cell = sheet.cell(sheet.max_row, col)
            if m.rate:
                cell.number_format = "0.00%"  # a percentage Excel knows, not a bare 15.62
            elif m.money:
                cell.number_format = "#,##0.00"
    wb.save(out)
