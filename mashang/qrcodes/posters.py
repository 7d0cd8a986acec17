"""Printable posters: one PDF page (vector QR, embedded Chinese font) or one PNG per placement."""

import csv
import io
import logging
import os
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import segno
from django.conf import settings
from django.db.models import QuerySet
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, A5
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from mashang.documents.fonts import (  # noqa: F401 - the posters' font API, re-exported
    FALLBACK_FONT,
    FALLBACK_SUBSTITUTES,
    PosterFontWarning,
    cjk_font,
    find_cjk_font,
    font_status,
)
from mashang.documents.fonts import cjk_font as _poster_font

from .models import Placement

logger = logging.getLogger(__name__)

INSTRUCTIONS = (
    "微信扫一扫，反映诉求、咨询求助、检举控告",
    "非检举控告类诉求工作时间1小时内分派，半小时内告知受理情况",
)
PAGE_SIZES = {"A4": A4, "A5": A5}
QUIET_ZONE = 4  # modules of light margin around the symbol, as the QR standard requires

RED = HexColor("#C8161D")
DARK_RED = HexColor("#9E0F15")
GOLD = HexColor("#F2C14E")
INK = HexColor("#222222")
GREY = HexColor("#555555")
PALE = HexColor("#FBEFEF")


# --- Data ------------------------------------------------------------------------------------


def placement_url(placement: Placement) -> str:
    """The address the QR code carries (kept independent of URL routing)."""
    return f"{settings.SITE_URL}/q/{placement.token}"


def display_url(url: str) -> str:
    """The URL as printed under the code: without the scheme."""
    return url.split("://", 1)[-1]


def grouped_code(code: str) -> str:
    """A manual code in groups of four, easier to read out on the phone: "ABCD EFGH"."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _iter_placements(placements: Iterable[Placement]) -> Iterator[Placement]:
    """Stream placements with their division and addressee unit loaded in the same query."""
    if isinstance(placements, QuerySet):
        return placements.select_related("division", "addressee_unit").iterator(chunk_size=1000)
    return iter(placements)


def _dark_runs(matrix) -> Iterator[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (column, row, length)."""
    for y, row in enumerate(matrix):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                yield start, y, x - start
            else:
                x += 1


# --- PDF -------------------------------------------------------------------------------------

PAGE_W, PAGE_H = A4  # the layout is drawn in A4 points and scaled down for A5
MARGIN = 40
HEADER_H = 118
FOOTER_H = 74
QR_SIZE = 330  # the symbol with its quiet zone, in A4 points


def _printable(text: str, font: str) -> str:
    """The text with characters the fallback CID font lacks replaced by look-alikes."""
    return text.translate(FALLBACK_SUBSTITUTES) if font == FALLBACK_FONT else text


def _fit(text: str, font: str, size: float, max_width: float) -> float:
    """The font size, shrunk if needed so that text fits within max_width."""
    width = pdfmetrics.stringWidth(text, font, size)
    return size if width <= max_width else size * max_width / width


def _centred(
    c: Canvas,
    text: str,
    y: float,
    font: str,
    size: float,
    color: Color,
    bold: bool = False,
    max_width: float = PAGE_W - 2 * MARGIN,
) -> None:
    """Draw text centred on the page with its baseline y points below the top edge."""
    text = _printable(text, font)
    size = _fit(text, font, size, max_width)
    width = pdfmetrics.stringWidth(text, font, size)
    t = c.beginText((PAGE_W - width) / 2, PAGE_H - y)
    t.setFont(font, size)
    t.setFillColor(color)
    if bold:  # CJK fonts come in one weight: outline the glyphs to embolden them
        t.setTextRenderMode(2)
        t.setStrokeColor(color)
        c.setLineWidth(size * 0.035)
    t.textLine(text)
    if bold:
        t.setTextRenderMode(0)  # the mode outlives the text object in the PDF graphics state
    c.drawText(t)


def _draw_qr(c: Canvas, url: str, top: float) -> None:
    """Draw the QR symbol as one vector path (one rectangle per run), quiet zone included."""
    matrix = segno.make(url, error="m").matrix
    modules = len(matrix) + 2 * QUIET_ZONE
    module = QR_SIZE / modules
    left = (PAGE_W - QR_SIZE) / 2
    bottom = PAGE_H - top - QR_SIZE
    # Frame around the quiet zone (the quiet zone itself stays white).
    c.setStrokeColor(RED)
    c.setLineWidth(2.5)
    c.roundRect(left - 8, bottom - 8, QR_SIZE + 16, QR_SIZE + 16, 10, stroke=1, fill=0)
    c.saveState()
    c.translate(left, PAGE_H - top)
    c.scale(module, -module)  # one unit = one module, rows going down
    c.setFillColor(HexColor("#000000"))
    # Integer module coordinates written straight into the stream: PathObject.rect would format
    # every number as a float, which is most of the run time for a county's worth of posters.
    runs = " ".join(f"{x + QUIET_ZONE} {y + QUIET_ZONE} {n} 1 re" for x, y, n in _dark_runs(matrix))
    c.addLiteral(runs + " f")
    c.restoreState()


def _draw_page(c: Canvas, placement: Placement, font: str, heading: str) -> None:
    url = placement_url(placement)
    # Header band with a gold rule.
    c.setFillColor(RED)
    c.rect(0, PAGE_H - HEADER_H, PAGE_W, HEADER_H, stroke=0, fill=1)
    c.setFillColor(GOLD)
    c.rect(0, PAGE_H - HEADER_H - 6, PAGE_W, 6, stroke=0, fill=1)
    _centred(c, heading, 72, font, 34, white, bold=True)

    _centred(c, placement.get_kind_display(), 188, font, 46, RED, bold=True)
    _centred(c, f"受理对象：{placement.addressee_label}", 228, font, 19, INK)

    qr_top = 256
    _draw_qr(c, url, qr_top)

    y = qr_top + QR_SIZE + 46
    _centred(c, INSTRUCTIONS[0], y, font, 21, INK, bold=True)
    _centred(c, INSTRUCTIONS[1], y + 28, font, 15, DARK_RED)

    # Manual code box for those who cannot scan.
    box_top, box_h = y + 44, 52
    c.setFillColor(PALE)
    c.roundRect(
        MARGIN + 40, PAGE_H - box_top - box_h, PAGE_W - 2 * MARGIN - 80, box_h, 8, stroke=0, fill=1
    )
    _centred(
        c,
        f"手动输入码：{grouped_code(placement.manual_code)}",
        box_top + 24,
        font,
        19,
        INK,
        bold=True,
    )
    _centred(c, display_url(url), box_top + 43, font, 10.5, GREY)

    # Footer band: where this poster belongs.
    c.setFillColor(RED)
    c.rect(0, 0, PAGE_W, FOOTER_H, stroke=0, fill=1)
    _centred(c, f"张贴位置：{placement.place_label}", PAGE_H - FOOTER_H + 36, font, 20, white)
    ref = f"{placement.division.code} · 第{placement.pk}号"
    c.setFont(font, 7.5)
    c.setFillColor(HexColor("#F6D5D6"))
    c.drawRightString(PAGE_W - 14, 10, _printable(ref, font))


def write_posters_pdf(
    placements: Iterable[Placement],
    out: str | os.PathLike | BinaryIO,
    size: str = "A4",
    heading: str | None = None,
) -> int:
    """Write one poster page per placement to out (path or binary file); return the page count."""
    size = size.upper()
    if size not in PAGE_SIZES:
        raise ValueError(f"不支持的纸张尺寸：{size}（可选 A4、A5）")
    heading = heading or settings.SITE_NAME
    font, embedded = _poster_font()
    page_w, page_h = PAGE_SIZES[size]
    factor = page_w / PAGE_W
    target = os.fspath(out) if isinstance(out, str | os.PathLike) else out
    # Starting in the poster font keeps a non-embedded Helvetica out of the file.
    c = Canvas(
        target,
        pagesize=(page_w, page_h),
        pageCompression=1,
        initialFontName=font,
        initialFontSize=12,
    )
    c.setTitle("码上办二维码海报")
    c.setAuthor("码上办")
    c.setSubject(f"{heading}（{size}）")
    c.setCreator("mashang.qrcodes.posters")
    pages = 0
    for placement in _iter_placements(placements):
        if factor != 1:
            c.scale(factor, factor)
        _draw_page(c, placement, font, heading)
        c.showPage()
        pages += 1
    if not pages:
        raise ValueError("没有需要生成海报的二维码张贴点。")
    c.save()
    return pages


# --- PNG zip ---------------------------------------------------------------------------------

CSV_NAME = "清单.csv"
CSV_HEADER = ["文件", "区划代码", "张贴位置", "二维码类型", "受理对象", "网址", "手动输入码"]


def png_name(placement: Placement) -> str:
    """The file name of a placement's PNG: <division code>-<kind>-<manual code>.png."""
    return f"{placement.division.code}-{placement.kind}-{placement.manual_code}.png"


def write_png_zip(
    placements: Iterable[Placement], out: str | os.PathLike | BinaryIO, scale: int = 10
) -> int:
    """Write a zip of one QR PNG per placement plus 清单.csv; return the number of PNGs."""
    listing = io.StringIO()
    writer = csv.writer(listing)
    writer.writerow(CSV_HEADER)
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for placement in _iter_placements(placements):
            url = placement_url(placement)
            png = io.BytesIO()
            segno.make(url, error="m").save(png, kind="png", scale=scale, border=QUIET_ZONE)
            name = png_name(placement)
            zf.writestr(name, png.getvalue(), compress_type=zipfile.ZIP_STORED)  # already deflated
            writer.writerow(
                [
                    name,
                    placement.division.code,
                    placement.place_label,
                    placement.get_kind_display(),
                    placement.addressee_label,
                    url,
                    placement.manual_code,
                ]
            )
            count += 1
        zf.writestr(CSV_NAME, ("\ufeff" + listing.getvalue()).encode("utf-8"))
    return count
