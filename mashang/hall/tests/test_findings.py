"""The testers' findings on the hall floor, each pinned by a test."""

import pytest
from django.utils import timezone

from mashang.applications.tests.conftest import catalog  # noqa: F401 - fixture
from mashang.catalog.models import Topic
from mashang.hall import actions
from mashang.hall.models import Zone
from mashang.testing import PASSWORD

from .conftest import at
from .test_appointments import verify

# --- a. booking by 一件事 or item keeps what is booked and picks its zone ---------------------


@pytest.fixture
def zones(hall, county):
    """B takes the housing bureau's items; F serves the 建设开工 life event."""
    hall.b.units.set([county.units.housing])
    f = Zone.objects.create(hall=hall.hall, letter="F", name="市场准入区", order=3)
    return f


def test_the_zone_of_an_item_is_its_units_and_of_a_bundle_its_topic(hall, zones, catalog):  # noqa: F811
    assert actions.zone_for(hall.hall, item=catalog.house) == hall.b
    assert actions.zone_for(hall.hall, item=catalog.water) == hall.a  # no zone: 综合受理
    assert actions.zone_for(hall.hall, bundle=catalog.bundle) == hall.b  # its lead unit
    topic = Topic.objects.create(code="build", name="建设开工", kind="business")
    catalog.bundle.topics.add(topic)
    zones.topics.add(topic)
    assert actions.zone_for(hall.hall, bundle=catalog.bundle) == zones


def test_booking_a_bundle_preselects_its_zone_and_keeps_the_bundle(client, hall, zones, catalog):  # noqa: F811
    verify(client)
    page = client.get(f"/hall/book/?bundle={catalog.bundle.code}").content.decode()
    assert "建设开工一件事" in page and f"{hall.b.letter} {hall.b.name}" in page
    # choosing another zone keeps the bundle in every link
    chooser = client.get(f"/hall/book/?zone=0&bundle={catalog.bundle.code}").content.decode()
    assert f"zone={hall.a.pk}&amp;bundle={catalog.bundle.code}" in chooser
    after = client.get(f"/hall/book/?zone={hall.a.pk}&bundle={catalog.bundle.code}")
    assert "建设开工一件事" in after.content.decode()


def test_the_login_keeps_the_whole_booking_address(client, hall, catalog):  # noqa: F811
    response = client.get(f"/hall/book/?zone={hall.a.pk}&bundle={catalog.bundle.code}")
    assert response.url.startswith("/hall/book/login?next=")
    login = client.get(response.url).content.decode()
    assert f"/hall/book/?zone={hall.a.pk}&amp;bundle={catalog.bundle.code}" in login


# --- b. the booking login says it is for booking ---------------------------------------------


def test_the_booking_login_is_titled_for_booking(client, hall):
    page = client.get("/hall/book/login?next=/hall/book/").content.decode()
    title = page.split("<title>")[1].split("</title>")[0]
    assert "预约" in title and "我的办件" not in title
    assert "<h1>预约办理</h1>" in page
    visit = client.get("/hall/visit/").url
    assert "上门办" in client.get(visit).content.decode().split("</title>")[0]
    assert "我的办件" in client.get("/my/login").content.decode()  # 我的办件 keeps its own


# --- c. the out-of-hours notice once per page -------------------------------------------------


def test_out_of_hours_is_said_once(client, hall, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 3, 2, 19, 0))  # a Monday evening
    message = actions.closed_message(hall.hall)
    for response in (
        client.get("/hall/take/centre/"),
        client.post("/hall/take/centre/", {"zone": hall.a.pk, "lane": ""}),
        client.get("/hall/kiosk/"),
        client.post("/hall/kiosk/", {"zone": hall.a.pk, "lane": ""}),
    ):
        assert response.status_code == 200
        assert response.content.decode().count(message) == 1
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 3, 2, 10, 0))
    assert message not in client.get("/hall/take/centre/").content.decode()


# --- d. the screen's clock is the server's ---------------------------------------------------


def test_every_screen_poll_carries_the_server_time(client, hall, monkeypatch):
    now = at(2026, 3, 2, 10, 0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    ms = str(int(now.timestamp() * 1000))
    assert f'data-server-ms="{ms}"' in client.get("/hall/screen/").content.decode()
    first = client.get("/hall/screen/calls.json")
    assert first["X-Server-Time"] == ms
    again = client.get("/hall/screen/calls.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["X-Server-Time"] == ms


# --- e. the hall manager reaches the 数据大屏 from the staff shell ---------------------------


def test_the_wall_is_in_the_nav_of_those_who_may_open_it(client, hall, people):
    client.login(username="t_hall_manager", password=PASSWORD)
    assert 'href="/staff/hall/wall/"' in client.get("/staff/hall/figures/").content.decode()
    assert client.get("/staff/hall/wall/").status_code == 200
    client.logout()
    client.login(username="t_window_clerk", password=PASSWORD)
    assert 'href="/staff/hall/wall/"' not in client.get("/staff/hall/window/").content.decode()
    assert client.get("/staff/hall/wall/").status_code == 403
