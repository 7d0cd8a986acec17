"""What posters and SMS print: the address the demo really listens on, one name, one promise."""

import re

import pytest
from PIL import Image

from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.env import local_site_url
from mashang.notifications.models import Message
from mashang.qrcodes.models import Placement
from mashang.qrcodes.posters import write_posters_pdf
from mashang.qrcodes.tests.test_posters import decoded_urls, render_pages, require_tool, run

PROMISE = "工作时间1小时内分派"


@pytest.fixture
def port_18111(settings):
    # What settings compute for `PORT=18111 HOST=0.0.0.0 make run` (test_settings runs it).
    settings.SITE_URL = local_site_url("0.0.0.0", 18111)
    return settings.SITE_URL


def test_local_site_url_reads_host_and_port():
    assert local_site_url("0.0.0.0", 18111) == "http://127.0.0.1:18111"
    assert local_site_url("192.168.1.20", 8000) == "http://192.168.1.20:8000"
    assert local_site_url("::1", 9000) == "http://[::1]:9000"


def test_a_poster_printed_under_another_port_scans_to_that_port(codes, port_18111, tmp_path):  # noqa: F811
    pdf = tmp_path / "poster.pdf"
    write_posters_pdf(Placement.objects.filter(pk=codes.bureau.pk), pdf)
    [page] = render_pages(pdf, tmp_path)
    assert decoded_urls(Image.open(page)) == [f"http://127.0.0.1:18111/q/{codes.bureau.token}"]
    assert "127.0.0.1:18111/q/" in run("pdftotext", str(pdf), "-")


def test_the_sms_link_under_another_port_points_at_that_port(file, people, county, port_18111):  # noqa: F811
    appeal = actions.dispatch_appeal(file(), county.units.housing, acting_user=people.dispatcher)
    appeal = actions.accept_appeal(appeal, acting_user=people.handler_a)
    actions.reply_appeal(appeal, "路灯已更换，恢复照明。", acting_user=people.handler_a)
    body = Message.objects.get(appeal=appeal, template="appeal_replied").body
    assert re.search(r"http://127\.0\.0\.1:18111/r/[\w-]+", body), body


def test_posters_carry_the_site_name_the_dispatch_promise_and_no_raw_codes(
    codes,  # noqa: F811
    settings,
    tmp_path,
):
    require_tool("pdftotext")
    settings.SITE_NAME = "某某县·码上办"
    pdf = tmp_path / "poster.pdf"
    mayor = Placement.objects.create(
        kind="county_mayor",
        division=codes.bureau.division,
        place_label="政务服务大厅",
        addressee_unit=codes.bureau.addressee_unit,
    )
    write_posters_pdf(Placement.objects.filter(pk=mayor.pk), pdf)
    text = run("pdftotext", str(pdf), "-")
    assert "某某县·码上办" in text and PROMISE in text
    assert "county_mayor" not in text


def test_receipt_sms_home_page_and_receipt_page_make_the_same_promise(client, file):  # noqa: F811
    appeal = file()
    assert PROMISE in Message.objects.get(appeal=appeal, template="appeal_received").body
    assert PROMISE in client.get("/").content.decode()
    from mashang.appeals.queries import remember_tracked

    session = client.session
    remember_tracked(session, appeal)
    session.save()
    assert PROMISE in client.get(f"/receipt/{appeal.number}").content.decode()
