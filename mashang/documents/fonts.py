"""The Chinese font every PDF of the platform embeds: posters, reports, official documents.

WenQuanYi Micro Hei (Debian's fonts-wqy-microhei) or another TrueType CJK font is embedded as a
subset; without one, ReportLab's non-embedded CID font STSong-Light is used with a warning.
`POSTER_FONT_PATH` names a font file (or `none`); `POSTER_FONT_SEARCH=0` skips the system search.
"""

import functools
import logging
import os
import subprocess
import warnings
import zlib
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)

FALLBACK_FONT = "STSong-Light"
KNOWN_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
NO_FONT_MESSAGE = (
    "未找到可嵌入的中文字体，海报改用阅读器内置的 STSong-Light（字体未嵌入，"
    "部分阅读器或印刷厂可能显示异常）。请管理员安装 fonts-wqy-microhei"
    "（apt-get install fonts-wqy-microhei），或设置环境变量 POSTER_FONT_PATH "
    "指向一个 .ttf/.ttc 中文字体文件。"
)
# STSong-Light (UniGB-UCS2-H) has no U+00B7 middle dot; the katakana middle dot looks the same.
FALLBACK_SUBSTITUTES = str.maketrans({"\u00b7": "\u30fb"})


class PosterFontWarning(UserWarning):
    """No embeddable Chinese font was found; posters fall back to a non-embedded CID font."""


@functools.lru_cache(maxsize=16)
def _load_ttfont(path: str) -> TTFont | None:
    """The TrueType font at path (first face of a collection), or None if ReportLab can't use it."""
    name = f"PosterCJK-{zlib.crc32(path.encode()):08x}"
    try:
        return TTFont(name, path, subfontIndex=0)
    except Exception:  # TTFError, OSError, CFF outlines, truncated files...
        logger.debug("ReportLab cannot load font %s", path, exc_info=True)
        return None


def _fc_list_candidates() -> list[str]:
    """Chinese font files known to fontconfig, best first (WenQuanYi Micro Hei, then TrueType)."""
    try:
        result = subprocess.run(
            ["fc-list", ":lang=zh", "file"],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    paths = {line.split(":", 1)[0].strip() for line in result.stdout.splitlines()}
    paths = {p for p in paths if p.lower().endswith((".ttf", ".ttc", ".otf"))}

    def rank(path: str) -> tuple[int, str]:
        lower = path.lower()
        if "wqy-microhei" in lower:
            return 0, path
        if lower.endswith((".ttf", ".ttc")):
            return 1, path
        return 2, path

    return sorted(paths, key=rank)


def _search_enabled() -> bool:
    return os.environ.get("POSTER_FONT_SEARCH", "1").strip().lower() not in {"0", "no", "off"}


def find_cjk_font() -> tuple[str | None, str]:
    """The Chinese font file to embed and a message for administrators (cached per environment)."""
    # POSTER_FONT_PATH names a font file; POSTER_FONT_PATH=none means "embed nothing, search
    # nothing"; POSTER_FONT_SEARCH=0 keeps the configured path but skips the system search.
    configured = os.environ.get("POSTER_FONT_PATH", "").strip()
    return _find_cjk_font(configured, _search_enabled())


@functools.lru_cache(maxsize=16)
def _find_cjk_font(configured: str, search: bool) -> tuple[str | None, str]:
    notes = []
    if configured.lower() in {"none", "off", "0"}:
        return None, "POSTER_FONT_PATH=none：不查找中文字体。" + NO_FONT_MESSAGE
    if configured:
        if not Path(configured).is_file():
            notes.append(f"POSTER_FONT_PATH 指定的字体文件不存在：{configured}。")
        elif _load_ttfont(configured) is None:
            notes.append(f"POSTER_FONT_PATH 指定的字体无法嵌入（需 TrueType 轮廓）：{configured}。")
        else:
            return configured, f"使用 POSTER_FONT_PATH 指定的字体：{configured}"
    if search:
        for source, candidates in (("系统", _fc_list_candidates()), ("常见路径", KNOWN_FONT_PATHS)):
            for path in candidates:
                if Path(path).is_file() and _load_ttfont(path) is not None:
                    return path, "".join(notes) + f"使用{source}中文字体（子集嵌入）：{path}"
    else:
        notes.append("已按 POSTER_FONT_SEARCH=0 跳过系统字体查找。")
    return None, "".join(notes) + NO_FONT_MESSAGE


def font_status() -> dict:
    """Whether posters embed their Chinese font, from which file, and a message for staff pages."""
    path, message = find_cjk_font()
    return {"embedded": path is not None, "path": path, "message": message}


def _poster_font() -> tuple[str, bool]:
    """Register the poster font with ReportLab; return its name and whether it is embedded."""
    path, message = find_cjk_font()
    font = _load_ttfont(path) if path else None
    if font is not None:
        if font.fontName not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(font)
        return font.fontName, True
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    logger.warning(message)
    warnings.warn(message, PosterFontWarning, stacklevel=3)
    return FALLBACK_FONT, False


def cjk_font() -> tuple[str, bool]:
    """The registered Chinese font for any PDF of the platform, and whether it is embedded."""
    return _poster_font()
