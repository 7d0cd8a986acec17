"""Small page helpers: the inlined citizen stylesheet and the favicon."""

import functools
from urllib.parse import quote

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe

register = template.Library()

# A red tile with a white QR-like mark: drawn, so no font and no extra request.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#b3121b"/>'
    '<path fill="#fff" d="M6 6h8v8H6zm12 0h8v8h-8zM6 18h8v8H6zm12 0h3v3h-3zm5 0h3v3h-3zm-5 5h3v3h-3zm5 5v-5h3v3h-3z"/>'
    "</svg>"
)


@functools.cache
def _read(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"static file not found: {path}")
    with open(found, encoding="utf-8") as fh:
        return fh.read()


@register.simple_tag
def inline_static(path: str) -> str:
    """A small stylesheet in the page itself: one round trip on a slow phone, not two."""
    text = _read.__wrapped__(path) if settings.DEBUG else _read(path)  # DEBUG: edits show at once
    return mark_safe(text.replace("</", "<\\/"))


@register.simple_tag
def favicon_href() -> str:
    return "data:image/svg+xml," + quote(FAVICON_SVG)


@register.filter
def when(value) -> str:
    """A date in a list: "11-26 09:30", with the year when it is not this year."""
    from mashang.core.dates import short_when

    return short_when(value)
