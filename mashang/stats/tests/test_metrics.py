"""Every metric on small hand-made data sets, with answers worked out by hand."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from mashang.appeals import actions
from mashang.appeals.choices import Rating
from mashang.appeals.models import Appeal
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.stats import metrics


@pytest.fixture
def world(people, county, codes, file):  # noqa: F811
    """A: done on time, 非常满意. B: 不满意 → 重办 → done again. C: 无效. D: 合并 into A.
    E: 办理中. X: an accusation. Worked out by hand:
    received 5, effective 3 (A B E), completed 2 (A B), rated 2, satisfied 1 (A, B stays 不满意),
    bad 1 (B), bad rectified 1 (B), rehandled 1 (B), dispatched 3, acknowledged 3."""

    def done(appeal, rating, result="已处理完毕。"):
        actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
        actions.accept_appeal(appeal, acting_user=people.handler_a)
        actions.reply_appeal(appeal, result, acting_user=people.handler_a)
        return actions.record_callback(
            appeal,
            rating,
            True,
            acting_user=people.supervisor,
            note="回访记录",
            rehandle=rating in ("1", "2"),
        )

    a = done(file(), Rating.VERY_SATISFIED)
    b = done(file(phone="13800000002"), Rating.DISSATISFIED)
    actions.reply_appeal(b, "重新处理完毕。", acting_user=people.handler_a)
    b = actions.record_callback(
        b, Rating.DISSATISFIED, False, note="仍不满意，已解释", acting_user=people.supervisor
    )
    c = actions.invalidate_appeal(
        file(phone="13800000003"), "属紧急情况，请拨打119", acting_user=people.dispatcher
    )
    d = actions.merge_appeal(file(phone="13800000004"), a, acting_user=people.dispatcher)
    e = file(phone="13800000005")
    actions.dispatch_appeal(e, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(e, acting_user=people.handler_a)
    x = file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "x": x}


def test_headline_counts_and_rates(world):
    h = metrics.headline(metrics.base_queryset())
    assert (h["received"], h["effective"], h["invalid"], h["merged"]) == (5, 3, 1, 1)
    assert (h["completed"], h["rated"], h["satisfied"], h["bad"]) == (2, 2, 1, 1)
    assert h["completion_rate"] == 66.67  # 2 ÷ 3
    assert h["satisfaction"] == 50.0  # 1 ÷ 2
    assert h["callback_rate"] == 100.0
    assert h["bad_rectified_rate"] == 100.0 and h["rehandle_rate"] == 50.0
    assert (h["dispatched"], h["acknowledged"]) == (3, 3)
    assert h["orders"] == 0


def test_accusations_are_only_a_separate_count(world):
    assert metrics.accusation_count() == 1
    assert not metrics.base_queryset().filter(pk=world["x"].pk).exists()


def test_an_empty_period_has_no_rates_and_no_errors(world):
    future = timezone.now() + timedelta(days=400)
    h = metrics.headline(metrics.base_queryset(since=future))
    assert h["received"] == 0
    assert all(h[m.key] is None for m in metrics.METRICS if m.rate_of)
    assert metrics.breakdown(metrics.base_queryset(since=future), "township") == []


def test_appeals_count_in_the_period_they_were_received(world):
    # B was received "last month" and finished now: it still counts for last month.
    last_month = timezone.now() - timedelta(days=35)
    Appeal.objects.filter(pk=world["b"].pk).update(received_at=last_month)
    cut = timezone.now() - timedelta(days=20)
    old = metrics.headline(metrics.base_queryset(until=cut))
    new = metrics.headline(metrics.base_queryset(since=cut))
    assert (old["received"], old["completed"], old["bad"]) == (1, 1, 1)
    assert (new["received"], new["completed"], new["bad"]) == (4, 1, 0)
    assert old["received"] + new["received"] == 5


def test_on_time_counts_by_the_deadline_including_extensions(world):
    Appeal.objects.filter(pk=world["a"].pk).update(
        complete_due_at=world["a"].completed_at - timedelta(minutes=1)
    )
    h = metrics.headline(metrics.base_queryset())
    assert (h["completed_on_time"], h["completed"], h["on_time_rate"]) == (1, 2, 50.0)


def test_breakdowns_by_unit_township_kind_and_type(world, county):
    by_unit = {r["key"]: r for r in metrics.breakdown(metrics.base_queryset(), "unit")}
    assert by_unit[county.units.housing.pk]["effective"] == 3
    by_kind = {r["key"]: r["received"] for r in metrics.breakdown(metrics.base_queryset(), "kind")}
    assert by_kind == {"bureau": 5}
    by_type = {r["key"]: r["received"] for r in metrics.breakdown(metrics.base_queryset(), "type")}
    assert by_type == {"complaint": 5}
    by_town = metrics.breakdown(metrics.base_queryset(), "township")
    assert [r["key"] for r in by_town] == [""]  # the bureau poster hangs at county level


def test_trend_buckets_by_local_day(world):
    rows = metrics.trend(metrics.base_queryset(), "day")
    assert sum(r["received"] for r in rows) == 5 and len(rows) == 1


def test_stats_command_prints_json(world, county):
    out = io.StringIO()
    call_command("stats", json=True, until="2100-01-01", stdout=out)
    data = json.loads(out.getvalue())
    assert data["counts"]["effective"] == 3
    assert data["metrics"]["satisfaction"]["value"] == 50.0
    assert data["metrics"]["satisfaction"]["formula"].startswith("（非常满意")
    assert data["accusations"] == 1
    out = io.StringIO()
    call_command("stats", json=True, division=county.town_b.code, until="2100-01-01", stdout=out)
    assert json.loads(out.getvalue())["counts"]["received"] == 0


def test_the_demo_reproduces_the_seeds_figures(db):
    from mashang.directory.demo import load_demo_county
    from mashang.stats.views import Scope

    load_demo_county()

    class Request:
        GET: dict = {}

    h = metrics.headline(Scope(Request()).queryset())  # default: up to yesterday
    assert (h["effective"], h["completed"], h["satisfied"], h["rated"]) == (598, 598, 564, 598)
    assert h["completion_rate"] == 100.0 and h["satisfaction"] == 94.31
    assert h["invalid"] > 0 and h["merged"] > 0
    from mashang.stats import facts

    facts.refresh()
    assert Scope(Request()).figures().headline() == h  # the roll-ups say the same


def test_the_demo_history_has_nothing_dated_after_now(db):
    """No answer, callback or contact in the future (an appeal of the day before yesterday
    "answered next week" read as a fault), and each step still after the one before."""
    from mashang.appeals.models import AppealEvent
    from mashang.directory.demo import load_demo_county

    load_demo_county()
    now = timezone.now()
    fields = ["accepted_at", "completed_at", "rated_at", "closed_at", "bad_rating_contacted_at"]
    for name in fields:
        assert not Appeal.objects.filter(**{f"{name}__gt": now}).exists(), name
    assert not AppealEvent.objects.filter(at__gt=now).exists()
    assert not Appeal.objects.filter(completed_at__lt=F("accepted_at")).exists()
    assert not Appeal.objects.filter(rated_at__lt=F("completed_at")).exists()
    assert not Appeal.objects.filter(bad_rating_contacted_at__lt=F("rated_at")).exists()
