"""Working-day arithmetic: the State Council schedule, office hours, and deadline math.

Which days are worked: a row in `Holiday` decides first; otherwise the `chinesecalendar`
package for the years it knows (2004–2026 at v1.11); otherwise Monday to Friday, and the year
is reported as not loaded so the administrator is warned — a date in an unknown year never
raises. Office hours come from OFFICE_HOURS (default 08:30–12:00 and 14:30–17:30).
"""

import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
_TTL = 60.0  # seconds: another process's edits in the admin show up within a minute
_cache: dict[int, tuple[float, dict[date, bool]]] = {}
MAX_DAYS = 3 * 366  # no deadline search walks further than this


def clear_cache() -> None:
    _cache.clear()


def _overrides(year: int) -> dict[date, bool]:
    hit = _cache.get(year)
    if hit and time.monotonic() - hit[0] < _TTL:
        return hit[1]
    from .models import Holiday

    rows = dict(Holiday.objects.filter(date__year=year).values_list("date", "is_workday"))
    _cache[year] = (time.monotonic(), rows)
    return rows


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_loaded(year: int) -> bool:
    """True when the year's holidays are known (package or table)."""
    return package_knows(year) or bool(_overrides(year))


def unloaded_years(today: date | None = None) -> list[int]:
    """This year and next, where not loaded: shown as a warning to administrators."""
    today = today or datetime.now(SHANGHAI).date()
    return [y for y in (today.year, today.year + 1) if not year_loaded(y)]


def is_workday(day: date) -> bool:
    override = _overrides(day.year).get(day)
    if override is not None:
        return override
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def office_hours() -> list[tuple[dtime, dtime]]:
    return settings.OFFICE_HOURS


def _intervals(day: date, round_the_clock: bool) -> list[tuple[datetime, datetime]]:
    if round_the_clock:
        start = datetime.combine(day, dtime(0), SHANGHAI)
        return [(start, start + timedelta(days=1))]
    if not is_workday(day):
        return []
    return [
        (datetime.combine(day, a, SHANGHAI), datetime.combine(day, b, SHANGHAI))
        for a, b in office_hours()
    ]


def add_working_minutes(
    start: datetime, minutes: float, *, round_the_clock: bool = False
) -> datetime:
    """`start` plus `minutes` of office time (all time when `round_the_clock`)."""
    cursor = start.astimezone(SHANGHAI)
    left = timedelta(minutes=minutes)
    day = cursor.date()
    for _ in range(MAX_DAYS):
        for a, b in _intervals(day, round_the_clock):
            if b <= cursor:
                continue
            begin = max(a, cursor)
            if begin + left <= b:
                return begin + left
            left -= b - begin
        day += timedelta(days=1)
    raise ValueError("no working time found within three years")


def working_minutes_between(
    start: datetime, end: datetime, *, round_the_clock: bool = False
) -> float:
    """Office minutes elapsed from `start` to `end` (0 if end is before start)."""
    if end <= start:
        return 0.0
    start, end = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    if round_the_clock:
        return (end - start).total_seconds() / 60
    total = timedelta()
    day = start.date()
    while day <= end.date():
        for a, b in _intervals(day, False):
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 60


def add_working_days(start: datetime, days: int) -> datetime:
    """Close of office on the `days`-th working day after the day of `start`
    (行政许可法 art. 82: limits count working days, holidays excluded)."""
    day = start.astimezone(SHANGHAI).date()
    counted = 0
    for _ in range(MAX_DAYS):
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
            if counted >= days:
                return datetime.combine(day, office_hours()[-1][1], SHANGHAI)
    raise ValueError("no working day found within three years")
