"""The independent tester's findings on the hall: the screen shows today's calls only, windows
sort by number, the 数据大屏 is labelled 今日实时, the Excel names its period, slots show the
weekday and the 改约 list keeps the 延时办 tag."""

import io
from datetime import time, timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from openpyxl import load_workbook

from mashang.hall import actions, metrics
from mashang.hall.models import Call, Slot, Window
from mashang.testing import PASSWORD

from .conftest import at


@pytest.fixture
def open_hall(hall):
    hall.hall.hours.all().delete()  # no schedule: always open, whatever the clock says
    return hall


def _call(hall, clerk, window):
    actions.take_ticket(hall.a)
    if actions.current_session(clerk) is None:
        actions.sign_on(window, clerk=clerk)
    ticket = actions.call_next(clerk=clerk)
    actions.act(ticket, "no_show", clerk=clerk)  # frees the clerk for the next call
    return ticket


def test_the_screen_shows_only_todays_calls_and_its_etag_follows_the_day(client, open_hall, people):
    _call(open_hall, people.window_clerk, open_hall.w5)
    _call(open_hall, people.window_clerk, open_hall.w5)
    before = client.get("/hall/screen/calls.json")
    assert [c["text"] for c in before.json()["calls"]] == [
        "请A002号到5号窗口办理",
        "请A001号到5号窗口办理",
    ]
    # Those calls were yesterday's: at 10:01 today, before any call, the screen is empty.
    Call.objects.update(at=F("at") - timedelta(days=1))
    fresh = client.get("/hall/screen/calls.json", HTTP_IF_NONE_MATCH=before["ETag"])
    assert fresh.status_code == 200 and fresh.json() == {"latest": 0, "calls": []}
    etag = fresh["ETag"]
    assert client.get("/hall/screen/calls.json", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Today's first call shows alone; yesterday's do not linger in 最近叫号.
    _call(open_hall, people.window_clerk, open_hall.w5)
    today = client.get("/hall/screen/calls.json", HTTP_IF_NONE_MATCH=etag)
    assert today.status_code == 200
    assert [c["text"] for c in today.json()["calls"]] == ["请A003号到5号窗口办理"]


def test_the_screen_etag_changes_at_midnight_without_a_call(client, open_hall, people, monkeypatch):
    _call(open_hall, people.window_clerk, open_hall.w5)
    first = client.get("/hall/screen/calls.json")
    assert len(first.json()["calls"]) == 1
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    after = client.get("/hall/screen/calls.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after.json()["calls"] == []


def test_windows_sort_by_number_on_the_page_and_in_excel(client, open_hall, people):
    for number in (100, 10, 2):
        Window.objects.create(hall=open_hall.hall, number=number, name="综合窗口")
    clerk = people.window_clerk
    monday = at(2026, 11, 23, 9, 0)
    for number in (100, 10, 2, 1, 5):
        window = Window.objects.get(hall=open_hall.hall, number=number)
        actions.sign_on(window, clerk=clerk)
        actions.take_ticket(open_hall.a, now=monday)
        ticket = actions.call_next(clerk=clerk, now=monday + timedelta(minutes=5))
        actions.act(ticket, "no_show", clerk=clerk, now=monday + timedelta(minutes=6))
        actions.sign_off(clerk=clerk)
    order = ["1号窗口", "2号窗口", "5号窗口", "10号窗口", "100号窗口"]
    assert [w["key"] for w in metrics.figures()["windows"]] == order
    client.login(username="t_hall_manager", password=PASSWORD)
    page = client.get("/staff/hall/figures/", {"from": "2026-11-01"}).content.decode()
    section = page[page.index("<h2>按窗口</h2>") :]
    assert [section.index(f"<td>{w}</td>") for w in order] == sorted(
        section.index(f"<td>{w}</td>") for w in order
    )
    wb = load_workbook(io.BytesIO(client.get("/staff/hall/figures.xlsx").content))
    assert [r[0].value for r in wb["窗口"].iter_rows(min_row=2)] == order


def test_natural_order_reads_numbers_as_numbers():
    labels = ["窗口员10", "100号窗口", "窗口员2", "10号窗口", "1号窗口"]
    assert sorted(labels, key=metrics.natural) == [
        "1号窗口",
        "10号窗口",
        "100号窗口",
        "窗口员2",
        "窗口员10",
    ]


def test_the_wall_is_todays_live_floor_and_says_so(client, open_hall, people):
    client.login(username="t_hall_manager", password=PASSWORD)
    figures = client.get("/staff/hall/figures/", {"from": "2026-01-01"}).content.decode()
    assert "数据大屏（今日实时）" in figures
    wall = client.get("/staff/hall/wall/", {"from": "2026-01-01"}).content.decode()
    today = timezone.localdate()
    assert "今日实时" in wall and f"{today.year}年{today.month}月{today.day}日" in wall


def test_the_excel_overview_names_its_period(client, open_hall, people):
    client.login(username="t_hall_manager", password=PASSWORD)
    response = client.get("/staff/hall/figures.xlsx", {"from": "2026-03-01", "to": "2026-03-10"})
    sheet = load_workbook(io.BytesIO(response.content))["总览"]
    assert sheet["A1"].value == "大厅统计 2026年03月01日至2026年03月09日"
    assert sheet["A2"].value == "取号数"


def test_slots_show_the_weekday_and_the_move_list_keeps_after_hours(client, open_hall):
    from datetime import date

    saturday = Slot(zone=open_hall.a, day=date(2026, 11, 28), start=time(9), end=time(10))
    assert saturday.label == "11月28日 周六 09:00–10:00"
    from mashang.hall import appointments

    day = timezone.localdate() + timedelta(days=3)
    first = Slot.objects.create(zone=open_hall.a, day=day, start=time(9), end=time(10), capacity=2)
    Slot.objects.create(
        zone=open_hall.a, day=day, start=time(12), end=time(13), capacity=2, after_hours=True
    )
    booking = appointments.book(first, name="张三", phone="13900002222")
    page = client.get(f"/hall/a/{booking.token}").content.decode()
    moves = page[page.index("改约到") :]
    assert "12:00–13:00（延时办）" in moves and "09:00–10:00（延时办）" not in moves
