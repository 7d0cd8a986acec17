"""The hall floor in a real browser: a phone ticket, a window call, the screen and the phone."""

import re
import time
from datetime import UTC

import pytest
from playwright.sync_api import expect

from mashang.applications.tests.conftest import catalog  # noqa: F401 - fixture
from mashang.hall.models import Ticket
from mashang.hall.testing import make_hall
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    return page


def test_phone_ticket_called_from_window_shows_on_screen_and_phone(
    live_server, browser, phone, county, people
):
    hall = make_hall(county, hours=False)
    screen_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    screen = screen_ctx.new_page()
    screen.goto(f"{live_server.url}/hall/screen/")
    screen.wait_for_selector("#now-number")

    phone.goto(f"{live_server.url}/hall/take/{hall.hall.code}/")
    phone.check(f"input[name=zone][value='{hall.a.pk}']")
    phone.get_by_role("button", name="取号").click()
    phone.wait_for_selector("#number")
    number = phone.locator("#number").inner_text()
    assert number == Ticket.objects.get().number == "A001"

    clerk = staff_login(browser, live_server, "t_window_clerk")
    clerk.goto(f"{live_server.url}/staff/hall/window/")
    clerk.get_by_role("button", name="5号 综合窗口").click()
    clerk.get_by_role("button", name="叫下一位").click()
    called_at = time.monotonic()
    clerk.wait_for_selector("#ticket-A001")

    # Locator waits, not wait_for_function: the page's CSP forbids eval of a string predicate.
    expect(screen.locator("#now-number")).to_have_text("A001", timeout=2000)
    shown_after = time.monotonic() - called_at
    assert "请到5号窗口办理" in screen.locator("#now-window").inner_text()
    expect(phone.locator("#message")).to_contain_text("请到5号窗口", timeout=5000)
    print(f"call to screen: {shown_after:.2f} s")
    screen_ctx.close()
    clerk.context.close()


def code_from_outbox() -> str:
    import re

    from mashang.notifications.models import Message

    body = Message.objects.filter(template="sms_code").latest("id").body
    return re.search(r"验证码(\d{6})", body).group(1)


def test_appointment_booked_reminded_checked_in_and_served(
    live_server, browser, phone, county, people
):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from mashang.deadlines.calendar import SHANGHAI
    from mashang.hall import appointments
    from mashang.hall.models import Appointment, Slot
    from mashang.notifications.models import Message

    local = timezone.localtime()
    if local.hour >= 22:
        pytest.skip("the slot must start and end today (local time)")
    hall = make_hall(county, hours=False)
    start = (local + timedelta(minutes=10)).replace(second=0, microsecond=0)
    slot = Slot.objects.create(
        zone=hall.a,
        day=start.date(),
        start=start.time(),
        end=(start + timedelta(minutes=60)).time(),
        capacity=3,
    )
    phone.goto(f"{live_server.url}/hall/book/?zone={hall.a.pk}")
    phone.fill("#phone", "13900006666")
    phone.get_by_role("button", name="获取短信验证码").click()
    phone.fill("#code", code_from_outbox())
    phone.get_by_role("button", name="确认").click()
    phone.fill("#name", "王大妈")
    phone.check(f"input[name=slot][value='{slot.pk}']")
    phone.get_by_role("button", name="确认预约").click()
    code = phone.locator("#code").inner_text()
    appointment = Appointment.objects.get(code=code)
    assert Message.objects.filter(template="hall_booked").count() == 1

    eve = datetime.combine(slot.day - timedelta(days=1), start.time(), SHANGHAI)
    assert appointments.send_reminders(eve) == 1  # the worker's pass on the day before

    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    page = kiosk.new_page()
    page.goto(f"{live_server.url}/hall/kiosk/")
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="签到取号").click()
    assert page.locator("#number").inner_text() == "A001"
    assert "预约签到优先" in page.content()

    clerk = staff_login(browser, live_server, "t_window_clerk")
    clerk.goto(f"{live_server.url}/staff/hall/window/")
    clerk.get_by_role("button", name="5号 综合窗口").click()
    clerk.get_by_role("button", name="叫下一位").click()
    clerk.click("#start-A001")
    clerk.click("#finish-A001")
    appointment.refresh_from_db()
    assert appointment.status == "checked_in" and appointment.ticket.status == "done"
    kiosk.close()
    clerk.context.close()


def test_a_proxy_files_for_an_elderly_villager_and_the_application_says_so(
    live_server,
    browser,
    county,
    people,
    tmp_path,
    settings,
    catalog,  # noqa: F811
):
    import io

    from django.utils import timezone
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path / "media"
    letter = tmp_path / "letter.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 200, 200)).save(buf, "JPEG")
    letter.write_bytes(buf.getvalue())

    page = staff_login(browser, live_server, "t_proxy_clerk")
    page.goto(f"{live_server.url}/staff/hall/proxy/")
    page.fill("#principal_name", "刘奶奶")
    page.fill("#principal_phone", "13900007777")
    page.fill("#scope", "建筑工程施工许可")

    page.fill(
        "#expires_on",
        (
            timezone.localdate().replace(day=1) + __import__("datetime").timedelta(days=60)
        ).isoformat(),
    )
    page.set_input_files("#letter", str(letter))
    page.get_by_role("button", name="登记授权").click()
    page.fill("input[name=item]", catalog.house.code)
    page.get_by_role("button", name="选择事项").click()
    page.fill("#f_project_name", "老屋翻修")
    page.get_by_role("button", name="代为提交").click()
    assert "已代为提交" in page.content()

    from mashang.hall.models import ProxyFiling

    application = ProxyFiling.objects.get().application
    window = staff_login(browser, live_server, "t_window_clerk")
    window.goto(f"{live_server.url}/staff/applications/{application.pk}/")
    assert "代 刘奶奶 办理" in window.locator("#proxy-filing").inner_text()
    page.context.close()
    window.context.close()


def test_the_hall_phone_pages_fit_a_finger(live_server, phone, county):
    """Ticket, booking and home-visit pages on a phone: every control at least 44 px tall."""
    from e2e.test_citizen_layout import MEASURE

    make_hall(county, hours=False)
    for path in ("/hall/take/centre/", "/hall/book/?hall=centre", "/hall/visit/"):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate(MEASURE) == [], path
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
    phone.goto(f"{live_server.url}/hall/take/centre/")
    assert "<h2>" not in phone.title()
    # The entrance kiosk is a touch screen, not a phone: its buttons, not its width, are checked.
    phone.goto(f"{live_server.url}/hall/kiosk/")
    assert phone.evaluate(MEASURE) == []


def test_the_screen_clock_shows_server_time_on_a_kiosk_with_a_wrong_clock(
    live_server, browser, county, people
):
    from datetime import datetime, timedelta, timezone

    hall = make_hall(county, hours=False)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.clock.install(time=datetime(2001, 1, 1, 3, 0, tzinfo=UTC))  # years off
    page.goto(f"{live_server.url}/hall/screen/?hall={hall.hall.code}")
    shanghai = datetime.now(timezone(timedelta(hours=8)))
    expect(page.locator("#clock")).to_contain_text(f"{shanghai.year}/{shanghai.month}/")
    expect(page.locator("#clock")).not_to_contain_text("2001")
    context.close()


def test_booking_a_bundle_keeps_it_through_the_login_and_the_zone(
    live_server,
    phone,
    county,
    people,
    catalog,  # noqa: F811
):
    from datetime import timedelta

    from django.utils import timezone

    from mashang.hall.models import Appointment, Slot

    hall = make_hall(county, hours=False)
    hall.b.units.set([county.units.housing])  # the bundle's lead unit
    day = timezone.localdate() + timedelta(days=2)
    from datetime import time as clock

    slot = Slot.objects.create(zone=hall.b, day=day, start=clock(9), end=clock(10), capacity=3)
    phone.goto(f"{live_server.url}/hall/book/?bundle={catalog.bundle.code}")
    expect(phone).to_have_title(re.compile("^预约办理 · 手机验证"))
    phone.fill("#phone", "13900007777")
    phone.get_by_role("button", name="获取短信验证码").click()
    phone.fill("#code", code_from_outbox())
    phone.get_by_role("button", name="确认").click()
    expect(phone.locator("#zone-name")).to_contain_text("社保医保区")  # preselected
    expect(phone.get_by_text("建设开工一件事")).to_be_visible()
    phone.fill("#name", "李四")
    phone.check(f"input[name=slot][value='{slot.pk}']")
    phone.get_by_role("button", name="确认预约").click()
    expect(phone.locator("#code")).to_be_visible()
    assert Appointment.objects.get().bundle == catalog.bundle
