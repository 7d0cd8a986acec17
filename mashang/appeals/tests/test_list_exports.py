"""A staff list and its 导出 Excel hold the same appeals in the same order (the desk's default
view, the tabs and every filter included); a unit's 状态 filter never contradicts its tab; a
figure's list keeps its figure and period when filtered."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mashang.appeals import actions
from mashang.appeals.models import Appeal
from mashang.stats import metrics
from mashang.stats.tests.test_metrics import world  # noqa: F401 - fixture

from .conftest import codes, file  # noqa: F401 - fixtures
from .test_staff_lists import options

FAR = "2100-01-01"


@pytest.fixture
def lists(world, people, county, codes, file):  # noqa: F811
    """The metrics' world (A, B 已回访; C 无效; D 合并; E 办理中; X 检举控告) and: P, P2 待分拨
    (P two hours old, in 茶市镇), Q 已派单 to the housing bureau, R 已办结 awaiting a call."""
    p = file(codes.township, phone="13800000011")
    Appeal.objects.filter(pk=p.pk).update(received_at=timezone.now() - timedelta(hours=2))
    p2 = file(phone="13800000012")
    q = file(phone="13800000013")
    actions.dispatch_appeal(q, county.units.housing, acting_user=people.dispatcher)
    r = file(codes.township, phone="13800000014")
    actions.dispatch_appeal(r, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(r, acting_user=people.handler_a)
    actions.reply_appeal(r, "已处理完毕。", acting_user=people.handler_a)
    return {**world, "p": p, "p2": p2, "q": q, "r": r}


def listed(page: str) -> list[str]:
    """The numbers of a list page's rows, in order."""
    return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a>', page)


def exported(client, page: str) -> list[str]:
    """The numbers in the workbook the page's 导出 Excel link downloads, in order."""
    link = html.unescape(re.search(r'href="([^"]+)" id="export-xlsx"', page).group(1))
    response = client.get(link)
    assert response.status_code == 200, link
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [r[0] for r in wb.active.iter_rows(min_row=3, values_only=True)]


@pytest.mark.parametrize(
    "who,url,params",
    [
        ("dispatcher", "desk", {}),
        ("dispatcher", "desk", {"waiting": "1"}),
        ("dispatcher", "desk", {"kind": "township"}),
        ("dispatcher", "desk", {"status": "closed"}),
        ("handler_a", "workbench", {}),
        ("handler_a", "workbench", {"tab": "done"}),
        ("handler_a", "workbench", {"tab": "all", "status": "accepted"}),
        ("supervisor", "callbacks", {}),
        ("supervisor", "callbacks", {"tab": "closed"}),
        ("supervisor", "callbacks", {"tab": "closed", "status": "invalid"}),
        ("supervisor", "callbacks", {"tab": "todo", "township": "TOWN_A"}),
        ("county_leader", "leader_view", {}),
        ("county_leader", "stats_appeals", {"metric": "effective", "to": FAR}),
        ("county_leader", "stats_appeals", {"metric": "bad", "type": "complaint"}),
        ("dispatcher", "stats_appeals", {"status": "dispatched"}),
    ],
)
def test_the_export_holds_the_rows_the_list_shows_in_its_order(
    client, people, county, lists, who, url, params
):
    params = {k: county.town_a.code if v == "TOWN_A" else v for k, v in params.items()}
    client.force_login(getattr(people, who))
    page = client.get(reverse(url), params).content.decode()
    shown = listed(page)
    assert f"共 {len(shown)} 件" in page
    assert exported(client, page) == shown


def test_the_lists_show_what_their_tab_and_filters_say(client, people, county, lists):
    """The cases above hold something to compare (not two empty lists)."""
    n = {k: a.number for k, a in lists.items()}
    client.force_login(people.dispatcher)
    assert listed(client.get(reverse("desk")).content.decode()) == [n["p"], n["p2"]]
    assert listed(client.get(reverse("desk"), {"waiting": "1"}).content.decode()) == [n["p"]]
    client.force_login(people.handler_a)
    assert listed(client.get(reverse("workbench")).content.decode()) == [n["q"]]
    done = listed(client.get(reverse("workbench"), {"tab": "done"}).content.decode())
    assert set(done) == {n["a"], n["b"], n["r"]}
    client.force_login(people.supervisor)
    assert listed(client.get(reverse("callbacks")).content.decode()) == [n["r"]]
    town = {"tab": "todo", "township": county.town_a.code}
    assert listed(client.get(reverse("callbacks"), town).content.decode()) == [n["r"]]


def test_an_export_is_only_of_a_list_the_person_may_open(client, people, lists):
    client.force_login(people.handler_a)
    assert client.get(reverse("stats_export"), {"list": "desk"}).status_code == 403
    assert client.get(reverse("stats_export"), {"list": "nothing"}).status_code == 404


def test_a_units_status_filter_offers_only_what_its_tab_can_hold(client, people):
    client.force_login(people.handler_a)
    get = lambda **q: client.get(reverse("workbench"), q).content.decode()  # noqa: E731
    assert options(get(), "status") == []  # 待受理 holds one status: no filter to choose
    assert options(get(tab="done"), "status") == ["按页签", "已办结", "已回访"]
    assert options(get(tab="all"), "status") == ["按页签", "已派单", "办理中", "已办结", "已回访"]


def test_a_status_outside_the_tab_opens_all_with_that_status(client, people, lists):
    client.force_login(people.handler_a)
    page = client.get(reverse("workbench"), {"tab": "incoming", "status": "closed"})
    text = page.content.decode()
    assert '<a href="?tab=all" aria-current="true">全部</a>' in text
    assert set(listed(text)) == {lists["a"].number, lists["b"].number}


def test_a_figures_list_keeps_its_figure_and_period_when_filtered(client, people, lists):
    client.force_login(people.county_leader)
    page = client.get(reverse("stats_appeals"), {"metric": "bad", "to": FAR}).content.decode()
    assert "差评诉求清单（" in page
    assert '<input type="hidden" name="metric" value="bad">' in page
    assert f'<input type="hidden" name="to" value="{FAR}">' in page
    for kind in ("complaint", "consult"):
        # What the form sends with 类型 chosen: the figure's list of that type, and the
        # figure of that type on the dashboard.
        query = {"metric": "bad", "to": FAR, "status": "", "type": kind, "township": ""}
        page = client.get(reverse("stats_appeals"), query).content.decode()
        until = metrics.local_midnight(FAR)
        figure = metrics.headline(metrics.base_queryset(until=until, type=kind))["bad"]
        assert f"共 {figure} 件" in page and len(listed(page)) == figure
    assert figure == 0 and "共 1 件" not in page  # B is a complaint, the one 差评


def test_a_figures_list_is_titled_by_its_figure(client, people, lists):
    client.force_login(people.county_leader)
    page = client.get(reverse("stats_appeals"), {"metric": "completed_late"}).content.decode()
    assert "<h1>未按期办结的诉求清单（" in page
