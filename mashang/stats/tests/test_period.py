"""One period, one set of figures: every page, export and the command count the same default
period (up to yesterday 24:00), name county-level appeals, and the monthly report is complete."""

import io
import json
import re
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mashang.appeals.models import Appeal
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.stats import exports, metrics

from .test_metrics import world  # noqa: F401 - fixture
from .test_pages import login

FAR = "2100-01-01"


def _command(**options) -> dict:
    out = io.StringIO()
    call_command("stats", json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def _figure(page: str, key: str) -> str:
    block = re.search(rf'data-key="{key}">.*?figure-value">([^<]*)<', page, re.S)
    return block.group(1).strip()


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def two_days_ago(world):  # noqa: F811
    """A, B (on time, rated) and C (invalid) were received two days ago; D and E today."""
    moved = [world[k].pk for k in ("a", "b", "c")]
    Appeal.objects.filter(pk__in=moved).update(received_at=F("received_at") - timedelta(days=2))
    return world


def test_the_command_the_pages_and_efficiency_count_the_same_default_period(
    client, people, two_days_ago
):
    login(client, people.county_leader)
    command = _command()
    assert command["counts"]["received"] == 3 and command["counts"]["effective"] == 2
    overview = client.get(reverse("stats_overview")).content.decode()
    assert _figure(overview, "effective") == "2"
    efficiency = client.get(reverse("efficiency")).content.decode()
    totals = re.findall(r'<td class="n">(\d+)</td>', efficiency.split('id="efficiency"')[1])
    assert sum(map(int, totals)) == 2  # A and B were dispatched; E (today) is left out
    assert _command(until=FAR)["counts"]["effective"] == 3  # today only when asked
    assert command["to"] == f"{timezone.localdate():%Y-%m-%d}"


def test_a_work_list_export_says_it_holds_today(client, people, world):  # noqa: F811
    login(client, people.dispatcher)
    wb = _workbook(client.get(reverse("stats_export")))
    title = wb.active["A1"].value
    assert f"{timezone.localdate():%Y年%m月%d日}" in title and "含今日" in title
    assert {r[0] for r in wb.active.iter_rows(min_row=3, values_only=True)} >= {world["e"].number}


def test_a_figures_export_counts_the_default_period(client, people, two_days_ago):
    login(client, people.dispatcher)
    wb = _workbook(client.get(reverse("stats_export"), {"metric": "effective"}))
    numbers = {r[0] for r in wb.active.iter_rows(min_row=3, values_only=True)}
    assert numbers == {two_days_ago["a"].number, two_days_ago["b"].number}
    yesterday = timezone.localdate() - timedelta(days=1)
    assert f"至{yesterday:%Y年%m月%d日}" in wb.active["A1"].value


def test_the_demo_reproduces_the_seed_on_a_later_day(db):
    from mashang.directory.demo import load_demo_county
    from mashang.stats.models import DemoSeed

    load_demo_county()
    # The next morning: everything, the demo's live appeals of the load day included, is a
    # day older.
    Appeal.objects.update(received_at=F("received_at") - timedelta(days=1))
    DemoSeed.objects.update(since=F("since") - timedelta(days=1), until=F("until") - timedelta(1))
    from mashang.stats import facts

    facts.rebuild()  # what the worker does once the day has ended
    seed = _command(seed=True)
    assert seed["counts"]["effective"] == 598
    assert seed["metrics"]["completion_rate"]["value"] == 100.0
    assert seed["metrics"]["satisfaction"]["value"] == 94.31
    assert _command()["counts"]["received"] > seed["counts"]["received"]  # the live ones


def test_the_monthly_report_defaults_to_the_last_complete_month(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    response = client.get(reverse("stats_report"), {"format": "xlsx"})
    assert f"{last_month:%Y-%m}" in response["Content-Disposition"]
    assert _workbook(response)["总体"]["A1"].value == f"衡南县码上办 {last_month:%Y年%m月} 月度报告"
    overview = client.get(reverse("stats_overview")).content.decode()
    assert f"month={last_month:%Y-%m}&amp;format=pdf" in overview
    assert f"月度报告（{last_month:%Y年%m月}）" in overview


def test_the_monthly_daily_chart_has_every_day(world):  # noqa: F811
    last_day = timezone.localdate().replace(day=1) - timedelta(days=1)
    third = metrics.local_midnight(last_day.replace(day=3)) + timedelta(hours=10)
    Appeal.objects.filter(pk=world["a"].pk).update(received_at=third)
    data = exports.monthly_data(f"{last_day:%Y-%m}")
    assert [r["bucket"].day for r in data["trend"]] == list(range(1, last_day.day + 1))
    assert [r["received"] for r in data["trend"]].count(0) == last_day.day - 1
    assert data["trend"][2]["received"] == 1


def test_excel_rates_are_percentages(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    month = f"{timezone.localdate():%Y-%m}"
    wb = _workbook(client.get(reverse("stats_report"), {"month": month, "format": "xlsx"}))
    cells = {r[0].value: r[1] for r in wb["总体"].iter_rows(min_row=3)}
    assert cells["满意度"].value == 0.5 and cells["满意度"].number_format == "0.00%"
    assert cells["有效诉求"].value == 3 and "%" not in cells["有效诉求"].number_format
    towns = wb["乡镇"]
    header = [c.value for c in towns[1]]
    rate = towns.cell(row=2, column=header.index("满意度") + 1)
    assert rate.number_format == "0.00%" and 0 <= rate.value <= 1


def test_the_monthly_pdf_has_no_blank_page(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    month = f"{timezone.localdate():%Y-%m}"
    pdf = b"".join(
        client.get(reverse("stats_report"), {"month": month, "format": "pdf"}).streaming_content
    )
    try:
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
    except FileNotFoundError:
        pytest.skip("pdftotext not installed (poppler-utils)")
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends with a form feed
    assert pages and all(p.strip() for p in pages), [len(p.strip()) for p in pages]
    assert "县直（县级）" in text


def test_county_level_appeals_are_a_named_row_where_places_are_ranked(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    response = client.get(reverse("stats_overview"), {"to": FAR})
    table = response.content.decode().split('id="townships"')[1].split("</table>")[0]
    assert "县直（县级）" in table and "<td></td>" not in table
    towns = response.context["chart_data"]["towns"]
    assert towns and all(name for name, _ in towns)
    month = f"{timezone.localdate():%Y-%m}"
    wb = _workbook(client.get(reverse("stats_report"), {"month": month, "format": "xlsx"}))
    assert "县直（县级）" in [c.value for c in wb["乡镇"]["B"]]
    page = client.get(reverse("efficiency"), {"group": "township", "to": FAR}).content.decode()
    assert "县直（县级）" in page


def test_the_county_level_row_is_not_ranked_among_townships(world, county):  # noqa: F811
    rows = [
        {"key": "", "satisfaction": 100.0, "effective": 9},
        {"key": county.town_a.code, "satisfaction": 80.0, "effective": 3},
    ]
    ranked = metrics.rank_places(rows)
    assert [(r["name"], r["rank"]) for r in ranked] == [("茶市镇", 1), ("县直（县级）", None)]


def test_the_accusation_count_respects_the_place_filter(client, people, county, world):  # noqa: F811
    login(client, people.county_leader)
    everywhere = client.get(reverse("stats_overview"), {"to": FAR})
    assert everywhere.context["accusations"] == 1
    elsewhere = client.get(reverse("stats_overview"), {"to": FAR, "township": county.town_b.code})
    assert elsewhere.context["accusations"] == 0
    here = client.get(reverse("stats_overview"), {"to": FAR, "township": county.town_a.code})
    assert here.context["accusations"] == 1
    assert _command(until=FAR, division=county.town_b.code)["accusations"] == 0


def test_ranking_tables_sort_and_show_percent_signs(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    units = client.get(reverse("stats_units"), {"to": FAR}).content.decode()
    table = units.split('id="unit-ranking"')[1].split("</table>")[0]
    assert 'class="sortable"' in units and "50.0%" in table
    overview = client.get(reverse("stats_overview"), {"to": FAR, "by": "month"})
    page = overview.content.decode()
    assert f"{timezone.localdate():%Y年%m月}" in page and "stats/sortable.js" in page
    towns = page.split('id="townships"')[1].split("</table>")[0]
    assert "50.0%" in towns


def test_a_ranking_that_fills_its_page_leaves_no_blank_page(world):  # noqa: F811
    """Rankings of every length from 20 to 99 units: each crosses a page end somewhere."""
    data = exports.monthly_data(f"{timezone.localdate():%Y-%m}")
    row = dict(data["towns"][0])
    blank = []
    for units in range(20, 100):
        data["units"] = [dict(row, name=f"单位{i}", rank=i) for i in range(1, units + 1)]
        out = io.BytesIO()
        exports.monthly_pdf(data, out)
        try:
            text = subprocess.run(
                ["pdftotext", "-", "-"], input=out.getvalue(), capture_output=True, check=True
            ).stdout.decode()
        except FileNotFoundError:
            pytest.skip("pdftotext not installed (poppler-utils)")
        pages = text.split("\f")[:-1]  # pdftotext ends every page with a form feed
        if not all(p.strip() for p in pages):
            blank.append(units)
    assert blank == []


def test_the_desks_accusation_count_follows_its_township_filter(client, people, county, world):  # noqa: F811
    login(client, people.dispatcher)
    assert client.get(reverse("desk")).context["accusations"] == 1
    there = client.get(reverse("desk"), {"township": county.town_b.code})
    assert there.context["accusations"] == 0
    here = client.get(reverse("desk"), {"township": county.town_a.code})
    assert here.context["accusations"] == 1


def _sheet_rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = _workbook(response).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_the_unit_ranking_exports_the_rows_the_page_shows(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    page = client.get(reverse("stats_units"), {"to": FAR}).content.decode()
    assert 'id="units-xlsx"' in page
    rows = _sheet_rows(client.get(reverse("stats_units"), {"to": FAR, "format": "xlsx"}))
    assert rows[0][0] == "承办单位排名" and rows[1][0].startswith("统计期间：")
    header, body = rows[2], rows[3:]
    assert header[:3] == ["名次", "承办单位", "有效诉求"]
    table = page.split('id="unit-ranking"')[1].split("</table>")[0]
    shown = re.findall(r'<td><a href="[^"]*">([^<]+)</a></td><td class="n">(\d+)</td>', table)
    assert [(r[1], str(r[2])) for r in body] == shown  # same units, same order, same counts
    rates = [header.index(h) for h in ("按期办结率", "受理告知及时率", "满意度", "重办率")]
    # "50.0%" on the page is the number 0.5 in a percentage cell, not the text "50.0%".
    assert any(r[i] == 0.5 for r in body for i in rates)
    client.logout()
    login(client, people.handler_a)
    assert client.get(reverse("stats_units"), {"format": "xlsx"}).status_code == 403


def test_the_efficiency_table_exports_its_counts_and_rates(client, people, world):  # noqa: F811
    login(client, people.supervisor)
    for group, first in (("unit", "承办单位"), ("township", "乡镇")):
        response = client.get(reverse("efficiency"), {"to": FAR, "group": group, "format": "xlsx"})
        rows = _sheet_rows(response)
        header, body = rows[2], rows[3:]
        assert header[0] == first and "按期办结率" in header
        from mashang.deadlines.metrics import efficiency

        expected = efficiency(group, *metrics.period(None, metrics.local_midnight(FAR)))
        by_name = {r[0]: r for r in body}
        for row in expected:
            got = by_name[row["name"] or metrics.COUNTY_LEVEL]
            assert got[header.index("诉求")] == row["total"]
            assert got[header.index("按期办结")] == row["completed_on_time"]
            rate = row["completed_on_time_rate"]
            assert got[header.index("按期办结率")] == (rate / 100 if rate is not None else "—")


def test_the_unit_ranking_follows_place_and_type_filters_in_the_default_period(
    client, people, two_days_ago
):
    """Filters the unit roll-ups cannot answer are counted from the appeals: never an empty
    table for appeals that are there."""
    a = two_days_ago["a"]
    call_command("rollups", stdout=io.StringIO(), stderr=io.StringIO())  # as the worker keeps them
    login(client, people.county_leader)
    for params in ({"type": a.type}, {"kind": a.kind}):
        page = client.get(reverse("stats_units"), params).content.decode()
        table = page.split('id="unit-ranking"')[1].split("</table>")[0]
        assert "县住房和城乡建设局" in table, params
        rows = _sheet_rows(client.get(reverse("stats_units"), {**params, "format": "xlsx"}))
        assert any(r[1] == "县住房和城乡建设局" for r in rows[3:]), params


def test_the_wall_ranks_units_as_the_unit_ranking_does(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    wall = client.get(reverse("stats_overview"), {"to": FAR, "screen": 1})
    ranking = _sheet_rows(client.get(reverse("stats_units"), {"to": FAR, "format": "xlsx"}))
    names = [name for name, _rate, _effective in wall.context["chart_data"]["units"]]
    assert names and names == [r[1] for r in ranking[3:]][:10]


def test_the_monthly_report_ranks_units_as_the_unit_ranking_does(client, people, world):  # noqa: F811
    month = f"{timezone.localdate():%Y-%m}"
    since, until = exports._month_scope(month)
    login(client, people.county_leader)
    params = {"from": f"{since:%Y-%m-%d}", "to": f"{until:%Y-%m-%d}", "format": "xlsx"}
    ranking = _sheet_rows(client.get(reverse("stats_units"), params))
    report = exports.monthly_data(month)["units"]
    assert [r["name"] for r in report] == [r[1] for r in ranking[3:]]
    assert [r["rank"] for r in report] == [r[0] for r in ranking[3:]]
