"""The staff lists' filter (desk, workbench, callbacks, discipline, leaders, stats lists)."""

from mashang.core.filters import FilterForm, bounded_int, choice, division_code
from mashang.qrcodes.choices import QRKind

from .choices import AppealStatus, AppealType

MAX_WAITING_HOURS = 24 * 366


class AppealFilter(FilterForm):
    status = choice(AppealStatus.choices)
    kind = choice(QRKind.choices)
    type = choice(AppealType.choices)
    township = division_code()
    waiting = bounded_int(0, MAX_WAITING_HOURS)


for _name, _label in [
    ("status", "状态"),
    ("kind", "二维码"),
    ("type", "类型"),
    ("township", "乡镇"),
    ("waiting", "等待超过"),
]:
    AppealFilter.base_fields[_name].label = _label
