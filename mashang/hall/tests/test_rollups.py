"""The hall's daily roll-ups give exactly the figures counted from the tickets themselves."""

import io
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mashang.hall import actions, metrics, rollups
from mashang.hall.models import HallDayFact, HallFactsState
from mashang.stats.metrics import local_midnight


@pytest.fixture
def history(hall, people):
    """Five past days of tickets at two windows with uneven waits and serving times (to the
    second), a no-show a day, and two tickets today (counted live)."""
    hall.hall.hours.all().delete()
    rng = random.Random(7)
    today = timezone.localdate()
    for back in range(5, -1, -1):
        day = today - timedelta(days=back)
        for window, clerk in ((hall.w5, people.window_clerk), (hall.w9, people.proxy_clerk)):
            actions.sign_on(window, clerk=clerk)
            zone = hall.a if window == hall.w5 else hall.b
            t0 = local_midnight(f"{day:%Y-%m-%d}") + timedelta(hours=9)
            for _ in range(2 if back == 0 else rng.randint(3, 7)):
                t = actions.take_ticket(zone, now=t0)
                called = t0 + timedelta(seconds=rng.randint(20, 2400))
                actions.call_next(clerk=clerk, now=called)
                if rng.random() < 0.2:
                    actions.act(t, "no_show", clerk=clerk, now=called + timedelta(minutes=2))
                else:
                    actions.act(t, "start", clerk=clerk, now=called)
                    done = called + timedelta(seconds=rng.randint(60, 1500))
                    actions.act(t, "finish", clerk=clerk, now=done)
                    called = done
                t0 = called
            actions.sign_off(clerk=clerk)
    return today


def periods(today):
    day = lambda n: local_midnight(f"{today - timedelta(days=n):%Y-%m-%d}")  # noqa: E731
    return [(None, None), (day(5), day(0)), (day(4), day(2)), (day(3), None), (day(5), day(-1))]


def test_rollups_and_tickets_give_the_same_figures(history):
    live = [metrics.figures(s, e) for s, e in periods(history)]
    assert metrics.built_until() is None
    written = rollups.refresh()
    assert written and metrics.built_until() == history
    assert HallDayFact.objects.filter(day=history).count() == 0  # today stays live
    rolled = [metrics.figures(s, e) for s, e in periods(history)]
    assert rolled == live
    assert live[0]["headline"]["tickets"] > 20 and len(live[0]["days"]) == 6


def test_rollups_are_read_not_recounted(history):
    rollups.refresh()
    yesterday = local_midnight(f"{history - timedelta(days=1):%Y-%m-%d}")
    before = metrics.figures(yesterday, local_midnight(f"{history:%Y-%m-%d}"))
    HallDayFact.objects.filter(day=history - timedelta(days=1)).update(tickets=999)
    after = metrics.figures(yesterday, local_midnight(f"{history:%Y-%m-%d}"))
    assert after["headline"]["tickets"] > before["headline"]["tickets"]


def test_histogram_percentiles_equal_the_raw_ones():
    rng = random.Random(3)
    for _ in range(200):
        values = [rng.uniform(0, 60) for _ in range(rng.randint(1, 40))]
        hist = {}
        for v in values:
            hist[metrics.tenths(v)] = hist.get(metrics.tenths(v), 0) + 1
        for p in (50, 90):
            assert metrics.hist_percentile(hist, p) == metrics.percentile(values, p)


def test_the_rollups_command_and_the_job_rebuild_them(history):
    from mashang.core import jobs

    assert jobs.get("hall_rollups").func is rollups.refresh
    out = io.StringIO()
    call_command("rollups", stdout=out, stderr=io.StringIO())
    assert "大厅统计日汇总已重建" in out.getvalue()
    assert HallFactsState.objects.get().built_until == history
    assert HallDayFact.objects.filter(tickets__gt=0).exists()
