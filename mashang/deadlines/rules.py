"""The time limits, with defaults from the seed and the regulations, editable in the admin."""

import time
from datetime import datetime

from . import calendar
from .models import DeadlineRule, Unit

# key: (label, amount, unit)
DEFAULTS = {
    "dispatch": ("分拨时限（自收到诉求起）", 1, Unit.WORKING_HOURS),
    "acknowledge": ("受理告知时限（自派单起）", 30, Unit.WORKING_MINUTES),
    "complete_urgent": ("紧急诉求办结时限", 24, Unit.HOURS),
    "complete_consult": ("咨询类办结时限", 1, Unit.WORKING_DAYS),
    "complete_help": ("求助类办结时限", 5, Unit.WORKING_DAYS),
    "complete_complaint": ("投诉类办结时限", 5, Unit.WORKING_DAYS),
    "complete_suggestion": ("建议类办结时限", 5, Unit.WORKING_DAYS),
    "complete_complex": ("复杂诉求办结时限", 15, Unit.WORKING_DAYS),
    "complete_accusation": ("检举控告办结时限", 15, Unit.WORKING_DAYS),
    "extension_max": ("延期最长", 5, Unit.WORKING_DAYS),
    "bad_rating_contact": ("实名差评联系时限", 1, Unit.WORKING_DAYS),
    "supervision_answer": ("督办答复默认时限", 2, Unit.WORKING_DAYS),
}
WARN_AT = 0.75  # yellow at 75 % of the time

_cache: tuple[float, dict[str, tuple[int, str]]] | None = None


def clear_cache() -> None:
    global _cache
    _cache = None


def _rules() -> dict[str, tuple[int, str]]:
    global _cache
    if _cache and time.monotonic() - _cache[0] < 60:
        return _cache[1]
    rules = {k: (amount, unit) for k, (_label, amount, unit) in DEFAULTS.items()}
    rules.update({r.key: (r.amount, r.unit) for r in DeadlineRule.objects.all()})
    _cache = (time.monotonic(), rules)
    return rules


def ensure_defaults() -> int:
    """Write the default rules as rows the administrator can edit; keeps existing edits."""
    existing = set(DeadlineRule.objects.values_list("key", flat=True))
    rows = [
        DeadlineRule(key=k, label=label, amount=amount, unit=unit)
        for k, (label, amount, unit) in DEFAULTS.items()
        if k not in existing
    ]
    DeadlineRule.objects.bulk_create(rows)
    return len(rows)


def deadline(key: str, start: datetime, *, round_the_clock: bool = False) -> datetime:
    amount, unit = _rules()[key]
    if unit == Unit.HOURS:
        from datetime import timedelta

        return start + timedelta(hours=amount)
    if unit == Unit.WORKING_DAYS:
        return calendar.add_working_days(start, amount)
    minutes = amount * 60 if unit == Unit.WORKING_HOURS else amount
    return calendar.add_working_minutes(start, minutes, round_the_clock=round_the_clock)


def completion_key(appeal) -> str:
    if appeal.urgency in ("urgent", "complex"):
        return f"complete_{appeal.urgency}"
    return f"complete_{appeal.type}"
