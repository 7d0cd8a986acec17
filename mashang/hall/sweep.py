"""The hall's periodic work, run by the worker next to the deadline sweeps (idempotent)."""

from django.utils import timezone

from . import actions, appointments
from .models import Zone

SLOT_DAYS = 14  # appointment slots are opened this many days ahead


def run_hall_sweep(now=None) -> dict:
    now = now or timezone.now()
    made = 0
    start = actions.local_day(now)
    for zone in Zone.objects.filter(slot_templates__isnull=False).distinct():
        made += appointments.safe_generate(zone, start, SLOT_DAYS)
    out = {
        "预约提醒": appointments.send_reminders(now),
        "预约爽约": appointments.mark_no_shows(now),
        "新开时段": made,
    }
    out.update(actions.end_of_day(now))
    return out
