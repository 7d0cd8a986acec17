"""The dashboards' and lists' filter: period, place, QR kind, type, unit, month."""

from django.contrib import messages

from mashang.core.filters import (
    MAX_ID,
    DayField,
    FilterForm,
    MonthField,
    bounded_int,
    choice,
    division_code,
)
from mashang.qrcodes.choices import QRKind

from . import metrics

# Built with type(): "from", the query parameter the pages have always used, is a keyword.
StatsFilter = type(
    "StatsFilter",
    (FilterForm,),
    {
        "from": DayField(label="提交日期从"),
        "to": DayField(label="至"),
        "township": division_code(),
        "kind": choice(QRKind.choices),
        "type": choice(metrics.PUBLIC_TYPES),
        "unit": bounded_int(1, MAX_ID),
        "month": MonthField(label="月份"),
        "__module__": __name__,
        "__doc__": "Validated GET filters of every statistics page.",
    },
)
StatsFilter.base_fields["township"].label = "乡镇"
StatsFilter.base_fields["unit"].label = "单位"


EMPTY_PERIOD = "开始日期不能晚于结束日期（结束日期当天不计入），已按默认期间（截至昨日）统计。"
START_AFTER_DEFAULT = (
    "只填开始日期时统计到昨日24时；开始日期不能是今天或以后，已按默认期间（截至昨日）统计。"
)


def _day(value):
    try:
        return metrics.local_midnight(value)
    except (TypeError, ValueError):
        return None


def checked_period(request, valid: dict, *, tell: bool = True) -> tuple:
    """(since, until) from validated `from`/`to`; an empty or inverted period is refused.

    A start alone runs to the default end (截至昨日24时), like every figure without a `to`.
    When the period would be empty (start on or after the end), the dates are ignored, the
    default period is counted and the person is told why in Chinese: never silent zeros."""
    since, until = metrics.period(_day(valid.get("from")), _day(valid.get("to")))
    if since is not None and since >= until:
        if tell:
            messages.error(request, EMPTY_PERIOD if valid.get("to") else START_AFTER_DEFAULT)
        return metrics.period(None, None)
    return since, until


def request_period(request, *, tell: bool = True):
    """(since, until) of any figures page: bounded dates, and the one default (截至昨日).

    Every pillar's figures page, export and `stats --json` section goes through here, so a
    figure reads the same everywhere and no date can overflow."""
    return checked_period(request, StatsFilter.valid(request, tell=tell), tell=tell)
