"""The dashboards' and lists' filter: period, place, QR kind, type, unit, month."""

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


def request_period(request, *, tell: bool = True):
    """(since, until) of any figures page: bounded dates, and the one default (截至昨日).

    Every pillar's figures page, export and `stats --json` section goes through here, so a
    figure reads the same everywhere and no date can overflow."""

    def day(value):
        try:
            return metrics.local_midnight(value)
        except (TypeError, ValueError):
            return None

    valid = StatsFilter.valid(request, tell=tell)
    return metrics.period(day(valid.get("from")), day(valid.get("to")))
