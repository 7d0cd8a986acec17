"""Working-day arithmetic: the State Council schedule, office hours, and deadline math.

Which days are worked: a row in `Holiday` decides first; otherwise the `chinesecalendar`
package for the years it knows (2004–2026 at v1.11); otherwise Monday to Friday less the
statutory holidays (全国年节及纪念日放假办法, 2025 revision: 元旦 1, 春节 4, 清明 1, 劳动节 2,
端午 1, 中秋 1, 国庆 3 days), the lunar ones from `lunardate`. Such a year is reported as not
loaded, and every limit reaching into it is provisional (暂定), until the administrator confirms
its schedule complete (`CalendarYear`) — a date in an unknown year never raises. Office hours
come from OFFICE_HOURS (default 08:30–12:00 and 14:30–17:30).
"""

import functools
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from lunardate import LunarDate

SHANGHAI = ZoneInfo("Asia/Shanghai")
_TTL = 60.0  # seconds: another process's edits in the admin show up within a minute
_cache: dict[int, tuple[float, dict[date, bool]]] = {}
MAX_DAYS = 3 * 366  # no deadline search walks further than this


def clear_cache() -> None:
    global _confirmed
    _cache.clear()
    _confirmed = None


def _overrides(year: int) -> dict[date, bool]:
    hit = _cache.get(year)
    if hit and time.monotonic() - hit[0] < _TTL:
        return hit[1]
    from .models import Holiday

    rows = dict(Holiday.objects.filter(date__year=year).values_list("date", "is_workday"))
    _cache[year] = (time.monotonic(), rows)
    return rows


@functools.cache  # the package's tables are fixed for the life of the process
def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


_confirmed: tuple[float, set[int]] | None = None


def _confirmed_years() -> set[int]:
    global _confirmed
    if _confirmed and time.monotonic() - _confirmed[0] < _TTL:
        return _confirmed[1]
    from .models import CalendarYear

    years = set(CalendarYear.objects.values_list("year", flat=True))
    _confirmed = (time.monotonic(), years)
    return years


def year_loaded(year: int) -> bool:
    """True when the year's schedule is known: the package has it, or the administrator has
    confirmed the table's rows for it complete (one row alone does not make a year)."""
    return package_knows(year) or year in _confirmed_years()


def unloaded_years(today: date | None = None) -> list[int]:
    """This year and next, where not loaded: shown as a warning to administrators."""
    today = today or datetime.now(SHANGHAI).date()
    return [y for y in (today.year, today.year + 1) if not year_loaded(y)]


def unloaded_warning(today: date | None = None) -> str:
    """The warning the admin home, the holiday page and the desk show, or ""."""
    missing = unloaded_years(today)
    if not missing:
        return ""
    years = "、".join(map(str, missing))
    return (
        f"{years} 年的国务院节假日安排尚未录入：暂按周一至周五、扣除法定节假日计算工作日，"
        f"跨入该年的期限均为暂定。请在“节假日与调休”中录入调休安排（或用 manage.py "
        f"import_holidays 导入），核对后在“年度节假日确认”中确认该年已完整。"
    )


def qingming(year: int) -> date:
    """清明 (solar longitude 15°), by the 21st-century formula [Y·D + C] − [Y/4] with
    D = 0.2422, C = 4.81 (April 4 or 5 from 2000 to 2099)."""
    y = year % 100
    return date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


def statutory_holidays(year: int) -> dict[date, str]:
    """The days off every year has by law, before the State Council's 调休 arrangement."""
    days = {date(year, 1, 1): "元旦"}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    for i in range(-1, 3):  # 除夕 and 正月初一 to 初三
        days[new_year + timedelta(days=i)] = "春节"
    days[qingming(year)] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[LunarDate(year, 5, 5).to_solar_date()] = "端午节"
    days[LunarDate(year, 8, 15).to_solar_date()] = "中秋节"
    for d in (1, 2, 3):
        days[date(year, 10, d)] = "国庆节"
    return days


_statutory: dict[int, dict[date, str]] = {}


def _fallback_workday(day: date) -> bool:
    if day.year not in _statutory:
        _statutory[day.year] = statutory_holidays(day.year)
    return day.weekday() < 5 and day not in _statutory[day.year]


def is_workday(day: date) -> bool:
    override = _overrides(day.year).get(day)
    if override is not None:
        return override
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return _fallback_workday(day)


def provisional(start: datetime | None, end: datetime | None) -> bool:
    """True when a limit from `start` to `end` crosses a year whose schedule is not loaded:
    its working days are counted from the statutory holidays alone and may still move."""
    if end is None:
        return False
    first = (start or end).astimezone(SHANGHAI).year
    last = end.astimezone(SHANGHAI).year
    return any(not year_loaded(y) for y in range(min(first, last), max(first, last) + 1))


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
    """`start` plus `minutes` of office time (all time when `round_the_clock`); no time at
    all is `start` itself."""
    if minutes <= 0:
        return start
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
    (行政许可法 art. 82: limits count working days, holidays excluded); 0 days is `start`."""
    if days <= 0:
        return start
    day = start.astimezone(SHANGHAI).date()
    counted = 0
    for _ in range(MAX_DAYS):
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
            if counted >= days:
                return datetime.combine(day, office_hours()[-1][1], SHANGHAI)
    raise ValueError("no working day found within three years")


def month_batches(first: date, end: date) -> list[set[date]]:
    """The days from `first` up to `end` (exclusive), one set per calendar month: how the
    roll-ups are rebuilt, a month at a time."""
    months = []
    day = first
    while day < end:
        nxt = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append({day + timedelta(days=i) for i in range((min(nxt, end) - day).days)})
        day = nxt
    return months
