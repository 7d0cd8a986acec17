"""The hall's pages: kiosk, phone ticket, screen feed (with ETag), workbench."""

import pytest

from mashang.hall import actions
from mashang.hall.models import Ticket
from mashang.testing import PASSWORD


@pytest.fixture
def open_hall(hall):
    hall.hall.hours.all().delete()  # no schedule: always open, whatever the clock says
    return hall


def test_the_kiosk_gives_a_ticket_by_zone(client, open_hall):
    page = client.get("/hall/kiosk/")
    assert "综合受理区" in page.content.decode() and "<svg" in page.content.decode()
    response = client.post("/hall/kiosk/", {"zone": open_hall.a.pk, "lane": "elderly"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.token in response.url
    assert (ticket.number, ticket.lane, ticket.source) == ("A001", "elderly", "kiosk")


def test_the_phone_page_keeps_answers_on_a_bad_phone(client, open_hall):
    response = client.post(
        f"/hall/take/{open_hall.hall.code}/", {"zone": open_hall.a.pk, "phone": "123"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "错误：" in body and not Ticket.objects.exists()


def test_the_phone_ticket_says_which_window_once_called(client, open_hall, people):
    client.post(f"/hall/take/{open_hall.hall.code}/", {"zone": open_hall.a.pk, "lane": ""})
    ticket = Ticket.objects.get()
    state = client.get(f"/hall/t/{ticket.token}/state.json").json()
    assert state["message"] == "下一位就是您，请留意叫号"
    actions.sign_on(open_hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk)
    assert "请到5号窗口" in client.get(f"/hall/t/{ticket.token}").content.decode()


def test_the_screen_feed_answers_304_until_a_new_call(client, open_hall, people):
    first = client.get("/hall/screen/calls.json")
    assert first.json()["calls"] == []
    etag = first["ETag"]
    assert client.get("/hall/screen/calls.json", HTTP_IF_NONE_MATCH=etag).status_code == 304
    actions.take_ticket(open_hall.a)
    actions.sign_on(open_hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk)
    fresh = client.get("/hall/screen/calls.json", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh.json()["calls"][0]["text"] == "请A001号到5号窗口办理"


def test_the_workbench_signs_on_calls_and_serves(client, open_hall, people):
    actions.take_ticket(open_hall.a)
    client.login(username="t_window_clerk", password=PASSWORD)
    assert "窗口签到" in client.get("/staff/hall/window/").content.decode()
    client.post("/staff/hall/window/signon", {"window": open_hall.w5.pk})
    client.post("/staff/hall/window/call")
    ticket = Ticket.objects.get()
    assert ticket.status == "called"
    client.post(f"/staff/hall/tickets/{ticket.pk}/start")
    client.post(f"/staff/hall/tickets/{ticket.pk}/finish")
    ticket.refresh_from_db()
    assert ticket.status == "done"


def test_another_clerk_cannot_act_on_my_ticket(client, open_hall, people):
    ticket = actions.take_ticket(open_hall.a)
    actions.sign_on(open_hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk)
    client.login(username="t_proxy_clerk", password=PASSWORD)
    assert client.post(f"/staff/hall/tickets/{ticket.pk}/finish").status_code == 404


def test_a_citizen_cancels_a_waiting_ticket(client, open_hall):
    ticket = actions.take_ticket(open_hall.a)
    ask = client.post(f"/hall/t/{ticket.token}/cancel")
    ticket.refresh_from_db()
    assert ticket.status == "waiting"  # the first tap only asks again
    page = ask.content.decode()
    assert "确认取消排队" in page and 'name="confirm" value="1"' in page
    assert "onclick" not in page and "不取消，继续排队" in page
    client.post(f"/hall/t/{ticket.token}/cancel", {"confirm": "1"})
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"
    body = client.get(f"/hall/t/{ticket.token}").content.decode()
    assert body.count("已取消") == 1 and "已取消排队" in body
    assert "叫号后这里会显示窗口号" not in body and "不办了" not in body
    state = client.get(f"/hall/t/{ticket.token}/state.json").json()
    assert state["ended"] and state["status_label"] == ""


def test_a_finished_ticket_says_so_once_and_no_longer_promises_a_window(client, open_hall):
    ticket = actions.take_ticket(open_hall.a)
    Ticket.objects.filter(pk=ticket.pk).update(status="done")
    body = client.get(f"/hall/t/{ticket.token}").content.decode()
    assert body.count("已办结") == 1 and "叫号后这里会显示窗口号" not in body


def test_the_sign_on_page_marks_only_taken_windows(client, open_hall, people):
    actions.sign_on(open_hall.w1, clerk=people.window_clerk)
    client.login(username="t_proxy_clerk", password=PASSWORD)
    body = client.get("/staff/hall/window/").content.decode()
    assert body.count("（已签到）") == 1 and "1号 综合窗口（已签到）" in body


def test_the_screen_has_a_portrait_variant(client, open_hall):
    assert 'class="screen portrait"' in client.get("/hall/screen/?layout=portrait").content.decode()


def test_the_kiosk_offers_life_events_by_zone(client, open_hall):
    from mashang.catalog.models import Topic

    topic = Topic.objects.create(code="birth", name="出生", kind="life")
    open_hall.a.topics.add(topic)
    body = client.get("/hall/kiosk/").content.decode()
    assert f'value="{open_hall.a.pk}">出生<small>A 综合受理区' in body
