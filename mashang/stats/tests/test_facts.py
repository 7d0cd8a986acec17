"""The roll-ups give the same figures as counting the appeals themselves."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from mashang.appeals.models import Appeal
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.stats import facts, metrics
from mashang.stats.models import AccusationDayFact, DailyFact

from .test_metrics import world  # noqa: F401 - fixture
from .test_pages import login


def move_to_past(world, days=3):  # noqa: F811
    Appeal.objects.filter(pk__in=[a.pk for a in world.values()]).update(
        received_at=timezone.now() - timedelta(days=days)
    )


def test_rollups_and_live_counting_agree(world, county):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    assert DailyFact.objects.exists()
    rolled = facts.Figures()  # everything before today comes from the roll-ups
    live = metrics.headline(metrics.base_queryset())
    assert rolled.split is not None
    assert rolled.headline() == live
    assert rolled.breakdown("unit") == metrics.breakdown(metrics.base_queryset(), "unit")
    assert rolled.breakdown("type")[0]["received"] == 5


def test_a_change_to_an_old_appeal_reaches_the_rollups(world, people):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    before = facts.Figures().headline()["completed"]
    from mashang.appeals import actions

    actions.reply_appeal(world["e"], "已处理完毕。", acting_user=people.handler_a)
    facts.refresh()
    assert facts.Figures().headline()["completed"] == before + 1


def test_todays_appeals_are_counted_live(world):  # noqa: F811
    facts.refresh()
    assert not DailyFact.objects.exists()  # all of the world was received today
    assert facts.Figures().headline()["received"] == 5


def test_a_village_filter_is_counted_live(world, county):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    figures = facts.Figures(division=county.village_a)
    assert figures.split is None
    assert figures.headline()["received"] == 0


def test_accusations_never_enter_the_rollups(world):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    assert sum(DailyFact.objects.values_list("received", flat=True)) == 5


def test_the_rollups_command_rebuilds_month_by_month_to_the_same_figures(world, county):  # noqa: F811
    import io

    from django.core.management import call_command

    move_to_past(world, days=40)  # spans a month boundary
    live = metrics.headline(metrics.base_queryset())
    DailyFact.objects.all().delete()
    AccusationDayFact.objects.all().delete()
    out = io.StringIO()
    call_command("rollups", stdout=out, stderr=io.StringIO())
    assert "日汇总已重建" in out.getvalue()
    assert DailyFact.objects.exists()
    assert facts.Figures().headline() == live
    assert AccusationDayFact.objects.exists()
    assert facts.Figures().accusations() == metrics.accusation_count() == 1


def spread_over_months(world):  # noqa: F811
    """The five appeals on days 5, 40, 70, 100 and 130 before today: several whole months
    and partial ones on either side."""
    now = timezone.now()
    for key, days in zip("abcde", (5, 40, 70, 100, 130), strict=True):
        Appeal.objects.filter(pk=world[key].pk).update(received_at=now - timedelta(days=days))


def test_whole_months_are_read_from_the_monthly_rollups_with_the_same_figures(world, county):  # noqa: F811
    from mashang.stats.models import MonthlyFact

    spread_over_months(world)
    facts.refresh()
    assert MonthlyFact.objects.exists()
    today = timezone.localdate()
    for since in (None, today - timedelta(days=115), (today - timedelta(days=95)).replace(day=1)):
        start = metrics.local_midnight(since) if since else None
        live = metrics.base_queryset(since=start)
        figures = facts.Figures(since=start)
        assert figures.headline() == metrics.headline(live), since
        for dim in ("township", "kind", "type", "unit"):
            assert figures.breakdown(dim) == metrics.breakdown(live, dim), (since, dim)
        monthly = {r["bucket"]: r["received"] for r in figures.trend("month")}
        counted = {
            r["bucket"].astimezone(facts.SHANGHAI).date(): r["received"]
            for r in metrics.trend(live, "month")
        }
        assert monthly == counted, since
    # The whole months really come from MonthlyFact: without their daily rows the default
    # period still adds up (a daily-only reading would lose the appeals of those months).
    whole = facts._next_month(today - timedelta(days=130))
    DailyFact.objects.filter(day__gte=whole, day__lt=today.replace(day=1)).delete()
    assert facts.Figures().headline()["received"] == 5


def test_a_change_to_an_appeal_of_an_earlier_month_reaches_the_monthly_rollups(world, people):  # noqa: F811
    from mashang.appeals import actions

    spread_over_months(world)  # E (办理中) was received 130 days ago
    facts.refresh()
    before = facts.Figures().headline()["completed"]
    actions.reply_appeal(world["e"], "已处理完毕。", acting_user=people.handler_a)
    facts.refresh()
    assert facts.Figures().headline()["completed"] == before + 1


def accusations_on_days(world, codes, file, days=(5, 40, 100)):  # noqa: F811
    """Besides the world's accusation (茶市镇, 纪检码), one on the township's code (茶市镇,
    乡镇码) and one on the bureau's (县直, 部门码), received `days` before today in that order;
    and one more on the township's code, received today."""
    content = "某干部收受红包，请查处此事。"
    extra = [
        file(placement, type="accusation", phone=f"1390000000{i}", content=content)
        for i, placement in enumerate((codes.township, codes.bureau, codes.township))
    ]
    now = timezone.now()
    for appeal, back in zip([world["x"], *extra[:2]], days, strict=True):
        Appeal.objects.filter(pk=appeal.pk).update(received_at=now - timedelta(days=back))
    return extra


def test_the_accusation_count_from_the_rollups_is_the_count_of_the_accusations(
    world,  # noqa: F811
    county,
    codes,  # noqa: F811
    file,  # noqa: F811
):
    from mashang.stats.models import AccusationDayFact, AccusationMonthFact

    accusations_on_days(world, codes, file)
    facts.refresh()
    assert AccusationDayFact.objects.count() == 3 and AccusationMonthFact.objects.exists()
    today = timezone.localdate()
    starts = [None, today - timedelta(days=115), (today - timedelta(days=95)).replace(day=1)]
    starts += [today - timedelta(days=40), today]
    ends = [metrics.default_until(), None, metrics.local_midnight(today - timedelta(days=39))]
    # The places and QR kinds the overview filters by (a township, or none).
    places = [None, county.town_a, county.town_b, county.county]
    for since in starts:
        for until in ends:
            for division in places:
                for kind in ("", "township", "discipline", "bureau"):
                    scope = {
                        "since": metrics.local_midnight(since) if since else None,
                        "until": until,
                        "division": division,
                        "kind": kind,
                    }
                    expected = metrics.accusation_count(**scope)
                    assert facts.Figures(**scope).accusations() == expected, scope
    yesterday_24h = metrics.default_until()
    assert facts.Figures(until=yesterday_24h).accusations() == 3
    # The past days really come from the roll-ups: with the past accusations turned into
    # complaints behind the roll-ups' back, the count still finds them.
    Appeal.objects.filter(type="accusation", received_at__lt=metrics.default_until()).update(
        type="complaint"
    )
    assert facts.Figures(until=yesterday_24h).accusations() == 3
    assert facts.Figures().accusations() == 4  # and today's one, counted live


def test_an_accusation_of_a_past_day_filed_later_reaches_the_rollups(world, codes, file):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    assert facts.Figures().accusations() == 1
    late = file(codes.township, type="accusation", content="某干部收受红包，请查处此事。")
    Appeal.objects.filter(pk=late.pk).update(received_at=timezone.now() - timedelta(days=3))
    facts.refresh()
    assert (
        facts.Figures().accusations()
        == 2
        == metrics.accusation_count(until=metrics.default_until())
    )


def test_the_overview_shows_the_accusation_count_from_the_rollups_by_township_and_kind(
    client,
    people,
    world,  # noqa: F811
    county,
    codes,  # noqa: F811
    file,  # noqa: F811
):
    accusations_on_days(world, codes, file)
    facts.refresh()
    login(client, people.county_leader)
    for params, shown in (
        ({}, 3),
        ({"township": county.town_a.code}, 2),
        ({"township": county.town_a.code, "kind": "township"}, 1),
        ({"kind": "bureau"}, 1),
        ({"township": county.town_b.code}, 0),
        ({"type": "complaint"}, 3),  # the appeal type filter does not apply to accusations
    ):
        page = client.get(reverse("stats_overview"), params)
        assert page.context["accusations"] == shown, params


def test_the_headline_and_place_breakdowns_read_the_rollups_once(world, county):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spread_over_months(world)
    facts.refresh()
    figures = facts.Figures(until=metrics.default_until())  # all of it from the roll-ups
    with CaptureQueriesContext(connection) as ctx:
        figures.headline()
        for dim in ("township", "kind", "type"):
            figures.breakdown(dim)
    # One query for the whole months (MonthlyFact), one for the days around them (DailyFact);
    # the others are the cache's (a database table in these tests).
    read = [q["sql"] for q in ctx.captured_queries if "fact" in q["sql"]]
    assert ["_monthlyfact" in sql for sql in read] == [True, False]


def test_the_migration_backfills_the_accusation_counts_the_rollups_would_hold(
    world,  # noqa: F811
    codes,  # noqa: F811
    file,  # noqa: F811
):
    from importlib import import_module

    from django.apps import apps

    from mashang.stats.models import AccusationMonthFact

    backfill = import_module("mashang.stats.migrations.0004_accusation_facts").backfill
    accusations_on_days(world, codes, file)
    facts.refresh()

    def held():
        fields = ("day", "township", "kind", "accusations")
        return (
            sorted(AccusationDayFact.objects.values_list(*fields)),
            sorted(AccusationMonthFact.objects.values_list(*fields)),
        )

    built = held()
    AccusationDayFact.objects.all().delete()
    AccusationMonthFact.objects.all().delete()
    backfill(apps, None)  # the models of today's code are those of the migration
    assert held() == built and len(built[0]) == 3
