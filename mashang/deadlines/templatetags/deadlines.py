from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from mashang.core.dates import short_when
from mashang.deadlines import calendar
from mashang.deadlines.sweep import LIMIT_LABELS

register = template.Library()


def _span(delta_seconds: float) -> str:
    minutes = int(abs(delta_seconds) // 60)
    if minutes < 60:
        return f"{minutes}分钟"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}小时"
    return f"{hours // 24}天"


@register.simple_tag
def due_badge(appeal, now=None):
    """Green / yellow / red with the time left; colour is never the only cue (适老化).

    Any record with a running limit (appeals, applications) passes: due_at, warn_at, due_key,
    paused_at, and optionally due_started_at."""
    if appeal.due_at is None:
        if appeal.paused_at:
            return mark_safe('<span class="due due-paused">暂停计时（等待群众）</span>')
        return "—"
    now = now or timezone.now()
    left = (appeal.due_at - now).total_seconds()
    label = LIMIT_LABELS.get(appeal.due_key, "时限")
    when = timezone.localtime(appeal.due_at)
    if calendar.provisional(getattr(appeal, "due_started_at", None) or now, appeal.due_at):
        # A limit into a year whose schedule is not loaded may still move.
        label = f"{label}（暂定）"
    if left < 0:
        css, text = "due-red", f"已超时 {_span(left)}"
    elif appeal.warn_at and now >= appeal.warn_at:
        css, text = "due-yellow", f"剩 {_span(left)}（预警）"
    else:
        css, text = "due-green", f"剩 {_span(left)}"
    return format_html(
        '<span class="due {}" title="{}至 {}">{} · {}</span>',
        css,
        label,
        short_when(when, now=now),
        label,
        text,
    )


@register.simple_tag
def calendar_warning(admin=False):
    """The unloaded-year warning (admin home, desk), or nothing."""
    from mashang.deadlines.calendar import unloaded_warning

    text = unloaded_warning()
    if not text:
        return ""
    if admin:
        return format_html(
            '<ul class="messagelist"><li class="warning" id="calendar-warning">{}</li></ul>', text
        )
    return format_html('<p class="warning-banner" id="calendar-warning" role="status">{}</p>', text)
