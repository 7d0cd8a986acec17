"""The applications' roll-ups give the same figures as counting the rows, however they drift."""

import io
import json
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.db.models import Avg, F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mashang.applications import actions, facts, metrics
from mashang.applications.choices import Decision, Status
from mashang.applications.models import Application, ApplicationDayFact, RatingDayFact
from mashang.applications.sweep import run_application_sweep
from mashang.core import jobs
from mashang.stats.metrics import local_midnight, period

from .conftest import reload


def _days_ago(application, days: int, hour: int = 10) -> None:
    """Move an application (and its parts, events, ratings) `days` back, at `hour` o'clock."""
    day = facts.today() - timedelta(days=days)
    when = local_midnight(day) + timedelta(hours=hour)
    delta = when - application.received_at
    ids = [application.pk, *application.parts.values_list("pk", flat=True)]
    moved = {}
    for f in ("received_at", "accepted_at", "decided_at", "completed_at"):
        moved[f] = F(f) + delta
    Application.objects.filter(pk__in=ids).update(**moved)
    from mashang.applications.models import ServiceRating

    ServiceRating.objects.filter(application_id__in=ids).update(at=F("at") + delta)


def _world(apply, catalog, people):
    """Every shape of application, spread over past days and today."""
    fast = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(fast, acting_user=people.window_clerk)
    actions.decide(fast, Decision.APPROVE, acting_user=people.reviewer_a)
    actions.deliver(fast, acting_user=people.window_clerk)
    actions.rate_application(reload(fast).rating_token, "5")
    # 补正 during review: the clock pauses, the application is no 一次办成.
    corrected = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(corrected, acting_user=people.window_clerk)
    photo = corrected.materials.get(name="近期照片")
    actions.request_correction(
        reload(corrected), {photo.pk: "照片模糊"}, acting_user=people.reviewer_a
    )
    actions.supplement(reload(corrected), received={photo.pk}, as_applicant=True)
    actions.decide(reload(corrected), Decision.REFUSE, "材料不实", acting_user=people.reviewer_a)
    instant = apply(catalog.instant, brought=[catalog.id_card])
    actions.finish_instantly(instant, acting_user=people.window_clerk)
    bad = actions.rate_application(reload(instant).rating_token, "1")
    actions.handle_bad_rating(bad, acting_user=people.supervisor, rectification="已电话致歉并整改")
    withdrawn = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(withdrawn, acting_user=people.window_clerk)
    actions.withdraw(withdrawn, "不需要了", as_applicant=True)
    refused = apply()
    actions.refuse_acceptance(
        refused, "不属于本机关职权", "行政许可法第三十二条", acting_user=people.window_clerk
    )
    # A 一件事: the parent in the headline, its two parts in their units' rows.
    bundle = apply(bundle=catalog.bundle, brought=[catalog.id_card, catalog.photo, catalog.licence])
    actions.accept_application(bundle, acting_user=people.window_clerk)
    parts = list(bundle.parts.order_by("id"))
    actions.decide(parts[0], Decision.APPROVE, acting_user=people.reviewer_a)
    actions.decide(parts[1], Decision.APPROVE, acting_user=people.reviewer_b)
    actions.deliver(reload(bundle), acting_user=people.window_clerk)
    open_bundle = apply(bundle=catalog.bundle, online=True)
    under_review = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(under_review, acting_user=people.window_clerk)
    actions.rate_window(clerk=people.window_clerk, rating="4")
    for i, a in enumerate([fast, corrected, instant, withdrawn, refused, bundle, under_review]):
        _days_ago(
            a, 1 + i * 3, hour=1 + 3 * i
        )  # some before 08:00 Beijing, i.e. the UTC day before
    _days_ago(open_bundle, 2, hour=23)
    apply(online=True)  # today's: counted live
    today_fast = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(today_fast, acting_user=people.window_clerk)
    actions.decide(today_fast, Decision.APPROVE, acting_user=people.reviewer_a)
    return {"fast": fast, "under_review": under_review, "bundle": bundle}


def _same(a, b):
    assert json.loads(json.dumps(a, default=str)) == json.loads(json.dumps(b, default=str))


def _periods():
    today = local_midnight(facts.today())
    return [
        (None, None),  # everything, today's rows included
        period(None, None),  # the default: up to yesterday 24:00
        (today - timedelta(days=8), today - timedelta(days=2)),
        (today - timedelta(days=8) + timedelta(hours=5), today + timedelta(hours=3)),  # part days
        (today - timedelta(days=4), None),
        (today, None),  # today only: nothing from the roll-ups
    ]


def test_rollups_and_rows_give_the_same_figures_for_every_period(apply, catalog, people):
    _world(apply, catalog, people)
    call_command("benchdata", "--applications", "200", "--seed", "3", stdout=io.StringIO())
    facts.refresh()
    assert ApplicationDayFact.objects.exists() and RatingDayFact.objects.exists()
    assert facts.built_until() == facts.today()
    for since, until in _periods():
        _same(metrics.figures(since, until), metrics.figures(since, until, use_facts=False))
    everything = metrics.figures()
    assert everything["ratings"]["bad_called_back"] == 1
    assert everything["ratings"]["window"] >= 1
    assert any(r["clerk"] == people.window_clerk.full_name for r in everything["ratings_by_clerk"])


def test_the_figures_do_read_the_rollups(apply, catalog, people):
    """Not only live counting: a (deliberately) wrong roll-up row shows in the figures."""
    _world(apply, catalog, people)
    facts.refresh()
    before = metrics.headline(*period(None, None))
    row = ApplicationDayFact.objects.filter(role="single").first()
    ApplicationDayFact.objects.filter(pk=row.pk).update(received=F("received") + 1000)
    assert metrics.headline(*period(None, None))["received"] == before["received"] + 1000
    assert metrics.headline(*period(None, None), use_facts=False) == before


def test_the_headline_matches_plain_counts_of_the_rows(apply, catalog, people):
    _world(apply, catalog, people)
    facts.refresh()
    since, until = period(None, None)
    rows = Application.objects.filter(received_at__lt=until, parent__isnull=True)
    done = rows.filter(status__in=[Status.DECIDED, Status.COMPLETED])
    h = metrics.headline(since, until)
    assert h["received"] == rows.count() == 8
    assert h["bundles"] == 2 and h["withdrawn"] == 1 and h["refused_acceptance"] == 1
    assert h["decided"] == done.count() == 4
    assert h["on_time"] == done.filter(decided_at__lte=F("promised_due_at")).count()
    assert h["first_time"] == done.filter(corrections=0).count() == 3
    assert h["instant"] == 1 and h["open"] == 2
    avg = done.aggregate(a=Avg("days_used"))["a"]
    assert h["days_used_avg"] == round(avg, 2)
    units = {r["unit"]: r["received"] for r in metrics.by_unit(since, until)}
    # Housing: fast, corrected, instant, withdrawn, refused, under review + the two bundles' parts.
    assert units[catalog.house.unit.name] == 8 and units[catalog.water.unit.name] == 2


def test_a_change_to_an_old_application_reaches_the_rollups_on_the_next_pass(
    apply, catalog, people
):
    made = _world(apply, catalog, people)
    facts.refresh()
    since, until = period(None, None)
    old = reload(made["under_review"])
    actions.decide(old, Decision.APPROVE, acting_user=people.reviewer_a)
    live = metrics.figures(since, until, use_facts=False)
    assert metrics.figures(since, until)["headline"]["decided"] == live["headline"]["decided"] - 1
    facts.refresh()
    _same(metrics.figures(since, until), live)


def test_the_sweeps_overdue_mark_reaches_the_rollups(apply, catalog, people):
    """The sweep marks overdue with a bare UPDATE (no updated_at): still a changed day."""
    made = _world(apply, catalog, people)
    facts.refresh()
    since, until = period(None, None)
    assert metrics.headline(since, until)["overdue_open"] == 0
    later = timezone.now() + timedelta(days=60)
    run_application_sweep(now=later)
    assert reload(made["under_review"]).overdue_at is not None
    facts.refresh()
    assert metrics.headline(since, until)["overdue_open"] == 1
    _same(metrics.figures(since, until), metrics.figures(since, until, use_facts=False))


def test_a_day_that_ends_is_rolled_up_by_the_next_pass(apply, catalog, people):
    _world(apply, catalog, people)
    facts.refresh()
    from mashang.applications.models import ApplicationFactsState

    # As if the last pass had been the day before yesterday: yesterday is built on this pass.
    yesterday = facts.today() - timedelta(days=1)
    ApplicationFactsState.objects.update(built_until=yesterday)
    ApplicationDayFact.objects.filter(day=yesterday).delete()
    assert facts.built_until() == yesterday
    facts.refresh()
    assert ApplicationDayFact.objects.filter(day=yesterday).exists()
    since, until = period(None, None)
    _same(metrics.figures(since, until), metrics.figures(since, until, use_facts=False))


def test_the_rollups_command_and_the_worker_build_the_same_rows(apply, catalog, people):
    _world(apply, catalog, people)
    facts.refresh()
    by_worker = sorted(ApplicationDayFact.objects.values_list("day", "role", "unit_id", "received"))
    ApplicationDayFact.objects.all().delete()
    out = io.StringIO()
    call_command("rollups", stdout=out, stderr=io.StringIO())
    assert "办件统计日汇总已重建" in out.getvalue()
    assert (
        sorted(ApplicationDayFact.objects.values_list("day", "role", "unit_id", "received"))
        == by_worker
    )
    assert jobs.get("application_rollups").func is facts.refresh


def test_page_json_commands_and_stats_print_the_same_figures(client, apply, catalog, people):
    _world(apply, catalog, people)
    facts.refresh()
    since, until = period(None, None)
    reference = metrics.figures(since, until, use_facts=False)
    out = io.StringIO()
    call_command("application_stats", "--json", stdout=out)
    own = json.loads(out.getvalue())
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    everything = json.loads(out.getvalue())["applications"]
    for printed in (own, everything):
        _same({k: printed[k] for k in reference}, reference)
    from mashang.testing import PASSWORD

    client.login(username=people.supervisor.username, password=PASSWORD)
    page = client.get("/staff/applications/figures/").content.decode()
    first = reference["by_unit"][0]
    assert first["unit"] in page and f"<td>{first['received']}</td>" in page


def test_the_figures_take_a_constant_number_of_queries_with_rollups(apply, catalog, people):
    _world(apply, catalog, people)
    facts.refresh()
    with CaptureQueriesContext(connection) as few:
        metrics.figures(None, None)
    call_command("benchdata", "--applications", "100", "--seed", "5", stdout=io.StringIO())
    facts.refresh()
    with CaptureQueriesContext(connection) as many:
        metrics.figures(None, None)
    assert len(few) == len(many) <= 8


def test_benchdata_writes_bundles_parts_events_and_window_ratings(catalog, people):
    from mashang.applications.models import ApplicationEvent, ServiceRating

    call_command("benchdata", "--applications", "400", "--seed", "9", stdout=io.StringIO())
    assert Application.objects.filter(parent__isnull=True).count() == 400
    parents = Application.objects.filter(bundle__isnull=False, parent__isnull=True)
    assert parents.exists()
    for parent in parents:
        assert parent.parts.count() == 2
    with_events = ApplicationEvent.objects.values("application_id").distinct().count()
    assert with_events == Application.objects.count()
    assert ServiceRating.objects.filter(kind="window", clerk__isnull=False).exists()
    done = Application.objects.filter(status=Status.COMPLETED, parent__isnull=True)
    assert done.exists()
    delivered = ApplicationEvent.objects.filter(application__in=done, kind="deliver")
    assert delivered.count() == done.count()


def test_benchdata_needs_a_count_and_the_catalogue(county):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--applications"):
        call_command("benchdata", stdout=io.StringIO())
    with pytest.raises(CommandError, match="事项库为空"):
        call_command("benchdata", "--applications", "5", stdout=io.StringIO())
