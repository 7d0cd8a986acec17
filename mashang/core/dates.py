"""Short dates for lists and messages: the year is shown whenever it is not this year."""

from datetime import date, datetime

from django.utils import timezone


def _local(value: datetime | date) -> datetime | date:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def short_when(value: datetime | date | None, *, chinese: bool = False, now=None) -> str:
    """ "11-26 09:30" this year, "2027-01-05 09:30" otherwise (Chinese: "1月5日09:30" /
    "2027年1月5日09:30"); dates without a time drop the time."""
    if value is None:
        return ""
    value = _local(value)
    this_year = timezone.localdate(now).year if now else timezone.localdate().year
    with_time = isinstance(value, datetime)
    if chinese:
        text = f"{value.month}月{value.day}日" + (f"{value:%H:%M}" if with_time else "")
        return text if value.year == this_year else f"{value.year}年{text}"
    text = f"{value:%m-%d}" + (f" {value:%H:%M}" if with_time else "")
    return text if value.year == this_year else f"{value.year}-{text}"
