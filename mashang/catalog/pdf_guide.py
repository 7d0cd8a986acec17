"""The printable 办事指南: one A4 page with the checklist for the chosen case, embedded font.

Everything goes into one frame that shrinks to fit, so a long list never spills onto a
second page; a QR code leads back to the same page online.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from mashang.documents.fonts import cjk_font

from .checklist import BundleGuide, Checklist
from .models import Bundle, ItemVersion

MARGIN = 14 * mm
QR = 26 * mm


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=2),
        "sub": ParagraphStyle(
            "sub", parent=base, fontSize=9.5, textColor=colors.HexColor("#333333")
        ),
        "h": ParagraphStyle(
            "h",
            parent=base,
            fontSize=12.5,
            leading=18,
            spaceBefore=7,
            spaceAfter=2,
            textColor=colors.HexColor("#8a0e15"),
        ),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12.5),
    }


def _qr(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    d = Drawing(QR, QR, transform=[QR / (x2 - x1), 0, 0, QR / (y2 - y1), 0, 0])
    d.add(widget)
    return d


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text), style)


def _checklist_flowables(checklist: Checklist, s) -> list:
    out = []
    chosen = [
        f"{q.text}答：{'、'.join(q.answer_labels)}" for q in checklist.questions if q.answered
    ]
    if chosen:
        out.append(_p("您的情形：" + "；".join(chosen), s["small"]))
    elif checklist.questions:
        out.append(_p("未选择情形：标“仅……时需要”的材料视情况携带。", s["small"]))
    out.append(_p(f"要带的材料（共 {len(checklist.bring)} 项，办完请打勾）", s["h"]))
    rows = []
    for n, line in enumerate(checklist.bring, 1):
        notes = []
        if line.form:
            notes.append(line.form + (f" {line.copies} 份" if line.copies > 1 else ""))
        if not line.required:
            notes.append("有则提供")
        if line.may_be_missing:
            notes.append("【可容缺】暂缺可先受理，承诺后补交")
        if line.e_license:
            notes.append(f"可出示电子证照（{line.e_license}）")
        if line.cases:
            notes.append("仅“" + "”或“".join(line.cases) + "”时需要")
        rows.append(
            [
                _p("□", s["body"]),
                _p(f"{n}. {line.name}", s["body"]),
                _p("；".join(notes), s["small"]),
            ]
        )
    if rows:
        table = Table(rows, colWidths=[7 * mm, 78 * mm, None])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        out.append(table)
    else:
        out.append(_p("不需要您带材料。", s["body"]))
    if checklist.not_needed:
        out.append(_p("不用您带的材料", s["h"]))
        out.append(
            _p(
                "；".join(f"{line.name}（{line.reason}）" for line in checklist.not_needed),
                s["small"],
            )
        )
    return out


def _render(title: str, subtitle: str, body: list, url: str, font: str, s) -> bytes:
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="衡南县政务服务中心",
        subject="办事指南",
    )
    head = Table(
        [[[_p(title, s["title"]), _p(subtitle, s["sub"])], _qr(url)]],
        colWidths=[doc.width - QR - 4 * mm, QR + 4 * mm],
    )
    head.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    footer = _p(f"扫码或打开 {url} 查看最新办事指南。咨询：政务服务热线 12345。", s["small"])
    story = [head, Spacer(1, 2 * mm), *body, Spacer(1, 3 * mm), footer]
    doc.build([KeepInFrame(doc.width, doc.height, story, mode="shrink")])
    return buf.getvalue()


def item_pdf(version: ItemVersion, checklist: Checklist, url: str) -> bytes:
    font, _embedded = cjk_font()
    s = _styles(font)
    v = version
    limit = (
        "即办件，材料齐全当场办结"
        if v.item_type == "instant"
        else f"承诺 {v.promised_limit_days} 个工作日（法定 {v.legal_limit_days} 个工作日）"
    )
    facts = [
        ("谁可以申请", v.conditions or "请咨询办理窗口"),
        ("办好后拿到", v.result_name or "—"),
        ("办理时限", limit + ("；不用跑现场" if v.visits == 0 else f"；最多跑 {v.visits} 次")),
        ("收费", f"{v.fee_amount} 元（{v.fee_basis}）" if v.fee_charged else "不收费"),
        (
            "办理地点",
            (v.office_address or "衡南县政务服务中心")
            + (f"；也可在{v.delegated_to}办理" if v.delegated_to else ""),
        ),
        ("办理时间", v.office_hours or "工作日"),
        ("咨询电话", v.phone or "12345"),
        ("办理方式", "、".join(v.channels) + ("（可网上办）" if v.online else "（不能网上办）")),
    ]
    body = [_facts(facts, s), Spacer(1, 2 * mm), *_checklist_flowables(checklist, s)]
    subtitle = f"{version.item.unit.name} · {v.get_kind_display()} · 实施编码 {version.item.code}"
    return _render(v.name, subtitle, body, url, font, s)


def bundle_pdf(bundle: Bundle, guide: BundleGuide, url: str) -> bytes:
    font, _embedded = cjk_font()
    s = _styles(font)
    names = "、".join(v.name for v in guide.view.versions)
    facts = [
        (
            "一次办好",
            names + (f"（按您的情况不用办：{'、'.join(guide.skipped)}）" if guide.skipped else ""),
        ),
        (
            "办理时限",
            f"承诺 {bundle.promised_limit_days} 个工作日"
            + ("；不用跑现场" if bundle.visits == 0 else f"；最多跑 {bundle.visits} 次"),
        ),
        ("办理地点", "衡南县政务服务中心任一综合受理窗口（一窗受理、统一出件）"),
        ("办理方式", "可全程网上办，也可到窗口办" if bundle.online else "到窗口办"),
    ]
    fees = [f"{v.name} {v.fee_amount} 元" for v in guide.view.versions if v.fee_charged]
    facts.append(("收费", "；".join(fees) if fees else "不收费"))
    body = [_facts(facts, s), Spacer(1, 2 * mm), *_checklist_flowables(guide.checklist, s)]
    return _render(
        bundle.name, f"一件事一次办 · 牵头单位：{bundle.lead_unit.name}", body, url, font, s
    )


def _facts(rows: list[tuple[str, str]], s) -> Table:
    table = Table(
        [[_p(k, s["small"]), _p(v, s["small"])] for k, v in rows], colWidths=[22 * mm, None]
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f1f1")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table
