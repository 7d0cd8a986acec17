"""The roll-ups give the same figures as counting the appeals themselves."""

from datetime import timedelta

from django.utils import timezone

from mashang.appeals.models import Appeal
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.stats import facts, metrics
from mashang.stats.models import DailyFact

from .test_metrics import world  # noqa: F401 - fixture


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
    out = io.StringIO()
    call_command("rollups", stdout=out, stderr=io.StringIO())
    assert "日汇总已重建" in out.getvalue()
    assert DailyFact.objects.exists()
    assert facts.Figures().headline() == live


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
