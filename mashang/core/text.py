"""One normaliser for every piece of text a person types: forms, API schemas, the admin.

NFC (one code point sequence per character, so the same name is stored the same way);
bidirectional controls removed (U+202E would make "13800001234" read backwards next to a
name); every other control or invisible format character removed, except newline and tab
in multi-line text. Phones and other codes use NFKC too (full-width ＯＮＥ → one).
"""

import re
import unicodedata
from typing import Annotated

from django import forms
from pydantic import AfterValidator

# Bidi embeddings, overrides, isolates and marks; zero-width space; BOM; soft hyphen etc.
_INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _drop(ch: str, multiline: bool) -> bool:
    if multiline and ch in "\n\t":
        return False
    category = unicodedata.category(ch)
    # Cc: control characters (NUL, BEL, ESC…); Cf: format characters, except the joiner
    # that emoji and some scripts need; Zl/Zp: line and paragraph separators.
    return category in ("Cc", "Zl", "Zp") or (category == "Cf" and ch != "\u200d")


def clean_text(value, *, multiline: bool = False, compat: bool = False) -> str:
    """Normalised, stripped text without bidi overrides or control characters."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC" if compat else "NFC", text)
    text = _INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if not _drop(ch, multiline))
    return text.strip()


def clean_line(value) -> str:
    return clean_text(value)


def clean_multiline(value) -> str:
    return clean_text(value, multiline=True)


# For django-ninja / pydantic schemas: `name: CleanStr = ""`.
CleanStr = Annotated[str, AfterValidator(clean_line)]
CleanMultiline = Annotated[str, AfterValidator(clean_multiline)]


class CleanCharField(forms.CharField):
    """forms.CharField that normalises (single line unless the widget is a Textarea)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_text(value, multiline=isinstance(self.widget, forms.Textarea))


def clean_admin_forms(site) -> None:
    """Every ModelAdmin's text inputs go through CleanCharField (called once at start-up)."""
    from django.db import models

    for model_admin in site._registry.values():
        overrides = dict(model_admin.formfield_overrides)
        for field in (models.CharField, models.TextField):
            overrides[field] = {**overrides.get(field, {}), "form_class": CleanCharField}
        # Subclasses with a form field of their own keep it (a slug is validated strictly
        # anyway; forms.SlugField takes arguments CleanCharField does not).
        overrides.setdefault(models.SlugField, {})
        model_admin.formfield_overrides = overrides
