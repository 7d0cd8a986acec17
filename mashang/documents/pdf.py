"""The layout of every official document: A4, embedded Chinese font, title, 文号, body, seal line.

The font comes from `documents.fonts.cjk_font`, the one font function of every PDF of the
platform (posters, the monthly report, the 办事指南 sheets use it too).
"""

from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def document_font() -> str:
    from .fonts import cjk_font

    return cjk_font()[0]


@dataclass
class Document:
    title: str
    number: str
    recipient: str = ""
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)  # first row is the header
    issuer: str = "衡南县政务服务中心"
    date: str = ""
    footer: str = ""


def render(doc: Document) -> bytes:
    """The PDF of one document (text escaped: applicants' words never become markup)."""
    font = document_font()
    base = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=20, leading=30, alignment=TA_CENTER)
    number = ParagraphStyle("number", parent=base, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=13)
    story = [Paragraph(escape(doc.title), title), Paragraph(escape(doc.number), number)]
    story.append(Spacer(1, 8 * mm))
    if doc.recipient:
        story.append(Paragraph(escape(doc.recipient) + "：", base))
    for text in doc.paragraphs:
        story.append(Paragraph("　　" + escape(text), base))
    if doc.table:
        cell = ParagraphStyle("cell", parent=base, fontSize=10, leading=14)
        rows = [[Paragraph(escape(str(c)), cell) for c in row] for row in doc.table]
        table = Table(rows, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [Spacer(1, 4 * mm), table]
    story += [Spacer(1, 12 * mm), Paragraph(escape(doc.issuer), right)]
    if doc.date:
        story.append(Paragraph(escape(doc.date), right))
    if doc.footer:
        story += [Spacer(1, 10 * mm), Paragraph(escape(doc.footer), small)]
    out = BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=37 * mm,  # GB/T 9704: 37 mm top, 28 mm left margin for official documents
        bottomMargin=35 * mm,
        title=doc.title,
        author=doc.issuer,
    ).build(story)
    return out.getvalue()
