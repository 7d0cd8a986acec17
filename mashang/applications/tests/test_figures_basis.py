"""办件统计: one unit of counting (口径) on the page, both exports and the JSON; 即办 limits and
the parts of a 一件事 capped by the bundle's promise."""

import io
from datetime import datetime, timedelta

from django.urls import reverse
from openpyxl import load_workbook

from mashang.applications import actions, facts, metrics
from mashang.deadlines import calendar
from mashang.testing import PASSWORD

from .conftest import reload


def _to_tomorrow() -> str:
    return f"{facts.today() + timedelta(days=1):%Y-%m-%d}"


def _filed(apply, catalog, people):
    """A 一件事 at the window (2 parts), a single item online, an instant item finished."""
    bundle = apply(bundle=catalog.bundle, brought=[catalog.id_card, catalog.photo, catalog.licence])
    actions.accept_application(bundle, acting_user=people.window_clerk)
    apply(online=True)
    instant = apply(catalog.instant, brought=[catalog.id_card])
    actions.finish_instantly(instant, acting_user=people.window_clerk)
    actions.rate_application(reload(instant).rating_token, "1")
    return bundle, instant


def _page(client, people) -> str:
    client.login(username=people.supervisor.username, password=PASSWORD)
    url = reverse("application_figures") + f"?to={_to_tomorrow()}"
    return client.get(url).content.decode()


def test_the_channels_count_like_the_headline_and_show_chinese_labels(
    client, apply, catalog, people
):
    _filed(apply, catalog, people)
    data = metrics.figures()
    assert data["headline"]["received"] == 3
    assert data["by_channel"] == {"online": 1, "window": 2}  # the bundle once, not 3 times
    assert sum(data["by_channel"].values()) == data["headline"]["received"]
    # The per-unit table counts what each unit reviews: both parts, each in its own unit.
    assert sum(u["received"] for u in data["by_unit"]) == 4
    page = _page(client, people)
    assert "网上申请" in page and "综合窗口" in page
    assert "online：" not in page and "window：" not in page
    assert "口径" in page


def test_a_zero_average_is_shown_as_zero_and_unit_rates_carry_percent(
    client, apply, catalog, people
):
    instant = apply(catalog.instant, brought=[catalog.id_card])
    actions.finish_instantly(instant, acting_user=people.window_clerk)
    assert metrics.headline()["days_used_avg"] == 0.0
    page = _page(client, people)
    cell = page.split('id="days-used">', 1)[1].split("</td>", 1)[0]
    assert cell.startswith("0.0 /")
    unit_table = page.split('id="by-unit"', 1)[1].split("</table>", 1)[0]
    assert "<td>100.0%</td>" in unit_table and "<td>0.0</td>" in unit_table
    assert "<td>满意度</td>" not in page  # each satisfaction figure is named distinctly


def test_a_clerk_is_listed_under_the_clerks_own_unit(apply, catalog, people):
    _filed(apply, catalog, people)
    rows = metrics.ratings_by_clerk()
    clerk = next(r for r in rows if r["clerk"] == people.window_clerk.full_name)
    assert clerk["unit"] == people.window_clerk.unit.name != catalog.instant.unit.name


def test_the_list_export_follows_the_period_and_puts_parts_under_their_parent(
    client, apply, catalog, people
):
    bundle, _ = _filed(apply, catalog, people)
    client.login(username=people.supervisor.username, password=PASSWORD)
    # The default period ends yesterday: today's applications are not in it.
    empty = load_workbook(io.BytesIO(client.get(reverse("application_export")).content))
    assert empty["办件"].max_row == 3  # title, 口径, headers
    page = _page(client, people)
    href = page.split('id="export-list" href="', 1)[1].split('"', 1)[0]
    assert f"to={_to_tomorrow()}" in href
    wb = load_workbook(io.BytesIO(client.get(href.replace("&amp;", "&")).content))
    heads, parts = wb["办件"], wb["一件事分项"]
    assert "至" in heads.cell(1, 1).value and "口径" in heads.cell(2, 1).value
    assert heads.max_row - 3 == metrics.headline()["received"] == 3
    numbers = {heads.cell(r, 1).value for r in range(4, heads.max_row + 1)}
    assert bundle.number in numbers
    rows = [[c.value for c in row] for row in parts.iter_rows(min_row=4)]
    assert len(rows) == 2 and all(r[0] == bundle.number for r in rows)


def test_the_figures_export_prints_the_page_figures(client, apply, catalog, people):
    _filed(apply, catalog, people)
    client.login(username=people.supervisor.username, password=PASSWORD)
    url = reverse("application_figures_export") + f"?to={_to_tomorrow()}"
    wb = load_workbook(io.BytesIO(client.get(url).content))
    assert set(wb.sheetnames) == {"总览", "按渠道", "按单位", "窗口人员评价"}
    overview = {r[0].value: r[1].value for r in wb["总览"].iter_rows(min_row=4)}
    assert overview["收件数"] == 3 and overview["平均用时"] == "0.0"
    channels = {r[0].value: r[1].value for r in wb["按渠道"].iter_rows(min_row=2)}
    assert channels == {"网上申请": 1, "综合窗口": 2, "合计": 3}
    clerks = [[c.value for c in r] for r in wb["窗口人员评价"].iter_rows(min_row=2)]
    assert clerks == [[people.window_clerk.full_name, people.window_clerk.unit.name, 1, "0.0%"]]


def _workday(after: int = 3):
    day = facts.today() + timedelta(days=after)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def test_an_instant_limit_runs_to_the_close_of_the_working_day(db):
    day = _workday()
    close = datetime.combine(day, calendar.office_hours()[-1][1], calendar.SHANGHAI)
    early = datetime.combine(day, datetime.min.time(), calendar.SHANGHAI) + timedelta(minutes=343)
    assert actions.due_after(early, 0) == close  # 05:43: before opening, due at today's close
    late = close + timedelta(hours=2)
    next_day = _workday_after(day)
    next_close = datetime.combine(next_day, calendar.office_hours()[-1][1], calendar.SHANGHAI)
    assert actions.due_after(late, 0) == next_close
    assert actions.due_after(early, 2) == calendar.add_working_days(early, 2)


def _workday_after(day):
    day += timedelta(days=1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def test_an_accepted_instant_part_is_not_overdue_at_once(apply, catalog, people):
    from mashang.catalog.models import BundleItem

    BundleItem.objects.create(bundle=catalog.bundle, item=catalog.instant, order=3)
    bundle = apply(bundle=catalog.bundle, brought=[catalog.id_card, catalog.photo, catalog.licence])
    actions.accept_application(bundle, acting_user=people.window_clerk)
    part = bundle.parts.get(item=catalog.instant)
    assert part.promised_due_at > part.accepted_at
    local = part.promised_due_at.astimezone(calendar.SHANGHAI)
    assert local.time() == calendar.office_hours()[-1][1]


def test_a_part_is_promised_no_later_than_its_bundle(apply, catalog, people):
    bundle = apply(bundle=catalog.bundle, brought=[catalog.id_card, catalog.photo, catalog.licence])
    actions.accept_application(bundle, acting_user=people.window_clerk)
    water = bundle.parts.get(item=catalog.water)  # the item promises 10, the bundle 8
    house = bundle.parts.get(item=catalog.house)  # the item promises 5: its own, shorter
    assert actions.promised_days(water) == 8 and actions.promised_days(house) == 5
    assert reload(water).promised_due_at == reload(bundle).promised_due_at
