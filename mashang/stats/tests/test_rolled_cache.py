"""The roll-ups' part of the figures is cached under their version: never a stale figure."""

import io

from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.stats import facts, metrics
from mashang.stats.models import FactsState

from .test_facts import move_to_past, spread_over_months
from .test_metrics import world  # noqa: F401 - fixture
from .test_pages import login


def everything(figures: facts.Figures) -> dict:
    return {
        "headline": figures.headline(),
        "accusations": figures.accusations(),
        **{dim: figures.breakdown(dim) for dim in ("township", "kind", "type", "unit")},
        **{g: figures.trend(g) for g in ("day", "week", "month")},
    }


def test_cached_figures_are_those_counted_without_the_cache(world, county):  # noqa: F811
    spread_over_months(world)
    facts.refresh()
    cold = everything(facts.Figures())  # fills the cache
    warm = everything(facts.Figures())  # reads it
    cache.clear()
    uncached = everything(facts.Figures())
    assert warm == cold == uncached
    assert warm["headline"] == metrics.headline(metrics.base_queryset())
    town = facts.Figures(division=county.town_a)
    assert everything(town) == everything(facts.Figures(division=county.town_a))


def test_todays_part_stays_live_beside_the_cached_past(world, file):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    until_now = {"until": metrics.local_midnight(facts._today()) + facts.timedelta(days=1)}
    before = facts.Figures(**until_now).headline()["received"]
    file(phone="13800009999")  # received today: not in the roll-ups
    assert facts.Figures(**until_now).headline()["received"] == before + 1


def test_every_write_to_the_rollups_makes_a_new_version(world, people):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    seen = {FactsState.objects.get().version}
    facts.refresh()  # nothing changed since: the cached past stays good
    assert {FactsState.objects.get().version} == seen
    for write in (
        lambda: (
            actions.reply_appeal(world["e"], "已处理完毕。", acting_user=people.handler_a),
            facts.refresh(),
        ),
        facts.rebuild,
        lambda: facts.rebuild({facts._today() - facts.timedelta(days=3)}),
        lambda: call_command("rollups", stdout=io.StringIO(), stderr=io.StringIO()),
    ):
        write()
        version = FactsState.objects.get().version
        assert version not in seen
        seen.add(version)


def test_the_overview_shows_a_change_to_the_rollups_at_once(client, world, people):  # noqa: F811
    move_to_past(world)
    facts.refresh()
    login(client, people.county_leader)
    before = client.get(reverse("stats_overview")).context["values"]["completed"]
    client.get(reverse("stats_overview"))  # served from the cache
    actions.reply_appeal(world["e"], "已处理完毕。", acting_user=people.handler_a)
    facts.refresh()
    assert client.get(reverse("stats_overview")).context["values"]["completed"] == before + 1


def test_a_units_figures_and_page_from_the_rollups(client, world, county, people):  # noqa: F811
    """本单位统计 and a unit's page read the unit's roll-ups (which know no township): the
    same figures as counting its appeals, and the pages open (they failed with a FieldError)."""
    spread_over_months(world)
    facts.refresh()
    housing = county.units.housing.pk
    rolled = facts.Figures(unit_id=housing)
    assert rolled.split is not None  # the roll-ups answer
    counted = metrics.base_queryset(unit_id=housing)
    assert rolled.headline() == metrics.headline(counted)
    for dim in ("township", "kind", "type"):
        assert rolled.breakdown(dim) == facts.Figures(unit_id=housing).breakdown(dim)
        assert {r["key"]: r["received"] for r in rolled.breakdown(dim)} == {
            r["key"]: r["received"] for r in metrics.breakdown(counted, dim)
        }
    login(client, people.county_leader)
    assert client.get(reverse("stats_unit", args=[housing])).status_code == 200
    login(client, people.handler_a)
    page = client.get(reverse("stats_my_unit"))
    assert page.status_code == 200
