"""Excel and PDF: any filtered appeal list, and the monthly report with tables and charts."""

from datetime import datetime, timedelta

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from mashang.core.spreadsheet import append_row

from . import metrics

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def _header(ws, titles: list[str]) -> None:
    append_row(ws, titles)
    for cell in ws[ws.max_row]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = f"A{ws.max_row + 1}"  # a string: asking for the cell would create a row


def _widths(ws, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _local(dt) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else ""


def table_response(filename: str, title: str, period: str, columns, rows):
    """A figures table exactly as on the page, as an Excel download.

    `columns`: (header, key, kind) with kind "text", "count" or "rate" (a rate in per cent on
    the page becomes an Excel percentage, 94.31 → 0.9431 shown 94.31%; none is "—")."""
    import io

    from django.http import FileResponse

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [f"统计期间：{period}"])
    _header(ws, [header for header, _key, _kind in columns])
    for r in rows:
        append_row(ws, [r.get(key) if kind == "text" else None for _h, key, kind in columns])
        for col, (_header_text, key, kind) in enumerate(columns, start=1):
            if kind == "text":
                continue
            cell = ws.cell(row=ws.max_row, column=col)
            value = r.get(key)
            if value is None:
                cell.value, cell.alignment = "—", Alignment(horizontal="right")
            elif kind == "rate":
                cell.value, cell.number_format = value / 100, PERCENT
            else:
                cell.value, cell.number_format = value, "0"
    _widths(ws, [28 if kind == "text" else 14 for _h, _k, kind in columns])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{filename}-{timezone.localdate():%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def appeals_workbook(appeals, out, *, title: str) -> None:
    """One row per appeal, in the list's order; no reporter identity (it is personal data).
    `title`: the list's own, as its page shows it."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "诉求清单"
    append_row(ws, [f"衡南县码上办 {title}，导出于 {timezone.localtime():%Y-%m-%d %H:%M}"])
    _header(
        ws,
        [
            "受理编号",
            "提交时间",
            "类型",
            "二维码",
            "地点",
            "状态",
            "主办单位",
            "分拨期限",
            "派单时间",
            "受理时间",
            "办结期限",
            "办结时间",
            "满意度",
            "诉求内容",
        ],
    )
    for a in appeals.iterator(chunk_size=2000):
        append_row(
            ws,
            [
                a.number,
                _local(a.received_at),
                a.get_type_display(),
                a.get_kind_display() if a.kind else "",
                a.division.name,
                a.get_status_display(),
                a.lead_unit.name if a.lead_unit else "",
                _local(a.dispatch_due_at),
                _local(a.dispatched_at),
                _local(a.accepted_at),
                _local(a.complete_due_at),
                _local(a.completed_at),
                a.get_rating_display() if a.rating else "",
                a.content,
            ],
        )
    _widths(ws, [22, 17, 8, 18, 14, 10, 22, 17, 17, 17, 17, 17, 10, 60])
    wb.save(out)


def _month_scope(month: str) -> tuple[datetime, datetime]:
    start = metrics.local_midnight(month + "-01")
    end = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start, end


def last_complete_month(now=None) -> str:
    """ "2026-10" on any day of November 2026: the report's default, a month that has ended."""
    last_day = metrics.default_until(now).replace(day=1) - timedelta(days=1)
    return f"{last_day:%Y-%m}"


def monthly_data(month: str) -> dict:
    """Everything the monthly report shows, computed once for both formats."""

    since, until = _month_scope(month)
    from .facts import Figures

    figures = Figures(since=since, until=until)
    towns = metrics.rank_places(figures.breakdown("township"))
    unit_rows = metrics.rank_units(figures.breakdown("unit"))
    return {
        "month": month,
        "label": f"{since:%Y年%m月}",
        "since": since,
        "until": until,
        "headline": figures.headline(),
        "towns": towns,
        "units": unit_rows,
        "trend": figures.trend("day"),
    }


RANK_COLUMNS = [
    ("effective", "有效诉求"),
    ("completed", "已办结"),
    ("completion_rate", "办结率"),
    ("on_time_rate", "按期办结率"),
    ("satisfaction", "满意度"),
    ("bad", "差评"),
]
RATES = {m.key for m in metrics.METRICS if m.rate_of}
PERCENT = "0.00%"


def _cell(ws, row: int, col: int, key: str, value) -> None:
    """A count as a whole number, a rate as a percentage Excel knows (0.9431 shown 94.31%)."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        cell.value = "—"
        cell.alignment = Alignment(horizontal="right")
    elif key in RATES:
        cell.value, cell.number_format = value / 100, PERCENT
    else:
        cell.value, cell.number_format = value, "0"


def monthly_workbook(data: dict, out) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "总体"
    append_row(ws, [f"衡南县码上办 {data['label']} 月度报告"])
    ws["A1"].font = Font(bold=True, size=14)
    _header(ws, ["指标", "数值", "口径"])
    for m in metrics.METRICS:
        append_row(ws, [m.label, None, m.formula])
        _cell(ws, ws.max_row, 2, m.key, data["headline"].get(m.key))
    _widths(ws, [16, 12, 70])
    for title, rows in (("乡镇", data["towns"]), ("承办单位", data["units"])):
        sheet = wb.create_sheet(title)
        _header(sheet, ["名次", title] + [label for _k, label in RANK_COLUMNS])
        for r in rows:
            append_row(sheet, [r["rank"] if r.get("rank") else "—", r["name"]])
            for col, (k, _l) in enumerate(RANK_COLUMNS, start=3):
                _cell(sheet, sheet.max_row, col, k, r[k])
        _widths(sheet, [6, 24] + [12] * len(RANK_COLUMNS))
    trend = wb.create_sheet("逐日")
    _header(trend, ["日期", "收到", "有效", "已办结"])
    for r in data["trend"]:
        append_row(
            trend, [f"{r['bucket']:%Y-%m-%d}", r["received"], r["effective"], r["completed"]]
        )
    if data["trend"]:
        chart = BarChart()
        chart.title = "逐日收到诉求"
        chart.add_data(
            Reference(trend, min_col=2, min_row=1, max_row=trend.max_row), titles_from_data=True
        )
        chart.set_categories(Reference(trend, min_col=1, min_row=2, max_row=trend.max_row))
        trend.add_chart(chart, "F2")
    wb.save(out)


def monthly_pdf(data: dict, out) -> None:
    """A4, Chinese font embedded (the posters'), headline table, a chart and the rankings."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from mashang.documents.fonts import cjk_font

    font, _embedded = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, keepWithNext=1)
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=13)
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F3A5F")),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story = [
        Paragraph(f"衡南县码上办 {data['label']} 月度报告", title),
        Paragraph(
            f"统计口径：{data['label']}内提交的诉求（不含检举控告），"
            f"生成于 {timezone.localtime():%Y-%m-%d %H:%M}",
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    rows = [["指标", "数值", "口径"]]
    for m in metrics.METRICS:
        value = data["headline"].get(m.key)
        shown = "—" if value is None else (f"{value}%" if m.rate_of else str(value))
        rows.append([m.label, shown, Paragraph(m.formula, body)])
    table = Table(rows, colWidths=[28 * mm, 22 * mm, 120 * mm])
    table.setStyle(style)
    story += [table, Spacer(1, 6 * mm)]
    if data["trend"]:
        drawing = Drawing(170 * mm, 60 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 10 * mm, 8 * mm, 155 * mm, 45 * mm
        chart.data = [[r["received"] for r in data["trend"]]]
        chart.categoryAxis.categoryNames = [f"{r['bucket']:%d}" for r in data["trend"]]
        chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 6
        chart.bars[0].fillColor = colors.HexColor("#B3121B")
        drawing.add(chart)
        drawing.add(String(10 * mm, 56 * mm, "逐日收到诉求（件）", fontName=font, fontSize=9))
        story += [drawing, Spacer(1, 4 * mm)]
    for heading, ranking in (("乡镇排名", data["towns"]), ("承办单位排名", data["units"])):
        story.append(Paragraph(heading, title))
        rows = [["名次", heading[:-2]] + [label for _k, label in RANK_COLUMNS]]
        rows += [
            [str(r["rank"] or "—"), r["name"]]
            + [
                "—" if r[k] is None else (f"{r[k]}%" if k in RATES else str(r[k]))
                for k, _l in RANK_COLUMNS
            ]
            for r in ranking
        ]
        table = Table(rows, repeatRows=1)
        table.setStyle(style)
        story += [table, Spacer(1, 4 * mm)]
    # A spacer after the last table would start a page of its own when the table fills one.
    story.pop()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"码上办月度报告 {data['label']}",
    ).build(story)
