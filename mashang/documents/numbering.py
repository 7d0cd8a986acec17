"""Numbers: one counter per series, and 文号 in the usual form 衡南政务受字〔2026〕12号."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Counter, IssuedDocument

ISSUER = "衡南政务"


def next_value(name: str) -> int:
    """The next value of the series `name` (row-locked; gaps possible on rollback, never twins)."""
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(name=name)
        Counter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
        counter.refresh_from_db(fields=["value"])
    return counter.value


def format_number(prefix: str, year: int, serial: int) -> str:
    return f"{ISSUER}{prefix}字〔{year}〕{serial}号"


def issue(key: str, kind: str, prefix: str, title: str) -> IssuedDocument:
    """The document for `key`, numbered on first issue; a reprint returns the same row."""
    found = IssuedDocument.objects.filter(key=key).first()
    if found is not None:
        return found
    year = timezone.localtime().year
    serial = next_value(f"doc:{getattr(settings, 'COUNTY_CODE', '430422')}:{prefix}:{year}")
    try:
        with transaction.atomic():
            return IssuedDocument.objects.create(
                key=key, kind=kind, number=format_number(prefix, year, serial), title=title
            )
    except IntegrityError:  # two printings at once: the first one keeps its number
        return IssuedDocument.objects.get(key=key)
