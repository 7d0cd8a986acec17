"""The hall's periodic work, as the worker runs it."""

from datetime import time

from django.core.management import call_command

from mashang.hall.models import Slot, SlotTemplate


def test_the_worker_opens_appointment_slots_ahead(hall):
    for wd in range(7):
        SlotTemplate.objects.create(
            zone=hall.a, weekday=wd, start=time(9), end=time(10), capacity=2, after_hours=wd >= 5
        )
    call_command("worker", "--once")
    made = Slot.objects.filter(zone=hall.a).count()
    assert made >= 8  # two weeks of working days at least
    call_command("worker", "--once")
    assert Slot.objects.filter(zone=hall.a).count() == made
