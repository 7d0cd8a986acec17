import pytest
from django.core.management import call_command

from mashang.hall.choices import HallKind
from mashang.hall.models import Hall, Slot, Ticket, Window, Zone


@pytest.mark.django_db
def test_the_demo_hall_has_the_seeds_zones_windows_and_stations(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEMO_MODE = True  # also on the PostgreSQL run, where DATABASE_URL turns it off
    call_command("load_demo", verbosity=0)
    centre = Hall.objects.get(kind=HallKind.CENTRE)
    assert Zone.objects.filter(hall=centre).count() == 9
    assert Window.objects.filter(hall=centre).count() == 104
    assert Hall.objects.filter(kind=HallKind.TOWNSHIP).count() == 23
    assert Hall.objects.filter(kind=HallKind.VILLAGE).count() == 445
    assert Slot.objects.filter(zone__hall=centre).exists()
    assert Ticket.objects.filter(hall=centre).count() > 1000
    from datetime import timedelta

    from django.utils import timezone

    from mashang.hall import metrics, rollups
    from mashang.stats.metrics import local_midnight

    # A year of figures consistent with the seed's 500,000+ applications (a third at the
    # centre's windows): ~165,000 tickets, from the roll-ups, the recent weeks from tickets.
    today = timezone.localdate()
    year = (local_midnight(f"{today - timedelta(days=365):%Y-%m-%d}"), local_midnight(f"{today}"))
    h = metrics.figures(*year)["headline"]
    assert 140_000 < h["tickets"] < 190_000 and h["wait_p50"] and h["booked"] and h["proxy"]
    assert len(metrics.figures(*year)["months"]) >= 12
    rollups.refresh(full=True)  # a rebuild recounts the detailed weeks, keeps the year before
    assert metrics.figures(*year)["headline"] == h
    # the detailed weeks, counted from their segments, look like the year's roll-ups
    weeks = metrics.figures(local_midnight(f"{today - timedelta(days=14):%Y-%m-%d}"), year[1])
    assert abs(weeks["headline"]["wait_p50"] - h["wait_p50"]) < 2
    assert abs(weeks["headline"]["serve_p90"] - h["serve_p90"]) < 2
