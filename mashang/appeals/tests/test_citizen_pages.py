"""Citizen pages: honest ratings, one request per page, privacy, photos, tracking links."""

import re

import pytest
from django.urls import reverse

from mashang.appeals import actions
from mashang.appeals.models import Appeal
from mashang.appeals.workflow import TransitionError

from .conftest import jpeg
from .test_intake_form import file_appeal
from .test_tracking import receipt_code


def completed(appeal, people, county):
    appeal = actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    appeal = actions.accept_appeal(appeal, acting_user=people.handler_a)
    return actions.reply_appeal(appeal, "路灯已更换。", acting_user=people.handler_a)


def rating_form(page: str, form_id: str = "f-rating") -> str:
    return re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S).group(0)


# ---- no pre-selected answers -----------------------------------------------------------


def test_the_citizens_rating_form_preselects_nothing(client, codes, people, county):
    appeal = completed(file_appeal(client, codes.bureau), people, county)
    page = client.get(reverse("track_detail", args=[appeal.number])).content.decode()
    form = rating_form(page)
    assert 'name="solved"' in form and "checked" not in form


def test_a_rating_without_saying_whether_it_is_solved_changes_nothing(
    client, codes, people, county
):
    appeal = completed(file_appeal(client, codes.bureau), people, county)
    url = reverse("track_detail", args=[appeal.number])
    response = client.post(url, {"action": "rate", "rating": "5"})
    assert response.status_code == 400 and "请选择问题是否解决" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == "completed" and not appeal.rating
    assert client.post(url, {"action": "rate", "rating": "5", "solved": "1"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "closed" and appeal.solved is True


def test_the_callback_form_preselects_nothing_and_needs_an_answer(client, codes, people, county):
    appeal = completed(file_appeal(client, codes.bureau), people, county)
    client.force_login(people.supervisor)
    page = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
    form = re.search(r"<h2>回访</h2>.*?</form>", page, re.S).group(0)
    assert 'name="solved"' in form and "checked" not in form
    with pytest.raises(TransitionError, match="是否解决"):
        actions.record_callback(appeal, "5", None, acting_user=people.supervisor)
    client.post(reverse("appeal_action", args=[appeal.pk, "callback"]), {"rating": "5"})
    appeal.refresh_from_db()
    assert appeal.status == "completed"


# ---- tracking from another browser -------------------------------------------------------


def test_a_tracking_link_in_another_browser_asks_for_the_query_code(client, codes):
    appeal = file_appeal(client, codes.bureau)
    code = receipt_code(client, appeal)
    other = client.__class__()
    page = other.get(reverse("track_detail", args=[appeal.number])).content.decode()
    assert 'id="ask-code"' in page and appeal.number in page
    assert "路灯" not in page  # nothing of the appeal itself
    # An unknown number gets the very same page: nobody learns which numbers exist.
    unknown = other.get(reverse("track_detail", args=["430422-2026-999999"])).content.decode()
    strip = re.compile(r"430422-2026-\d+|csrfmiddlewaretoken\" value=\"[^\"]+")
    assert strip.sub("", page) == strip.sub("", unknown)
    response = other.post(reverse("track"), {"number": appeal.number, "query_code": code})
    assert response.url == reverse("track_detail", args=[appeal.number])


# ---- photos --------------------------------------------------------------------------------


def test_the_track_page_shows_the_photos_it_counts(client, codes):
    appeal = file_appeal(client, codes.bureau, photos=[jpeg(), jpeg(name="b.jpg")])
    page = client.get(reverse("track_detail", args=[appeal.number])).content.decode()
    urls = re.findall(r'<img src="(/track/[^"]+/photos/\d+)"', page)
    assert "附照片 2 张" in page and len(urls) == 2
    response = client.get(urls[0])
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.__class__().get(urls[0]).status_code == 404  # not for other browsers


def test_the_photo_field_shows_thumbnails_before_sending(client, codes):
    page = client.get(codes.bureau.get_absolute_url()).content.decode()
    assert 'data-thumbs="thumbs"' in page and 'id="thumbs"' in page
    assert "URL.createObjectURL" in page


# ---- one name, a footer, privacy, a favicon, one request ---------------------------------


def test_pages_carry_the_configured_name_and_host_organisation(client, codes, settings):
    settings.SITE_NAME = "某县·码上办"
    settings.SITE_OWNER = "某县人民政府办公室"
    for url in ("/", codes.bureau.get_absolute_url(), reverse("track"), reverse("privacy")):
        page = client.get(url).content.decode()
        assert "- 某县·码上办</title>" in page and '<header class="c-top">' in page
        assert "某县·码上办</a></header>" in page and "主办：某县人民政府办公室" in page


def test_every_form_that_takes_personal_data_links_the_privacy_notice(client, codes):
    privacy = reverse("privacy")
    for url in (codes.bureau.get_absolute_url(), reverse("track")):
        page = client.get(url).content.decode()
        for form in re.findall(r"<form.*?</form>", page, re.S):
            if re.search(r'type="tel"|name="(phone|name|id_number)"', form):
                assert f'href="{privacy}"' in form, url
    notice = client.get(privacy).content.decode()
    for heading in ("收集哪些信息", "为什么收集", "保存多久", "谁能看到", "您可以怎么做"):
        assert heading in notice


def test_the_id_number_is_asked_only_with_an_accusation(client, codes):
    page = client.get(codes.bureau.get_absolute_url()).content.decode()
    blocks = re.findall(r'<div class="c-accusation-only">(.*?)\n  </div>\n  </div>', page, re.S)
    assert any('name="id_number"' in b for b in blocks)
    assert any('name="anonymous"' in b for b in blocks)
    assert re.search(r"form:not\(:has\(input\[name=type\]\[value=accusation\]:checked\)\)", page)


def test_citizen_pages_need_one_request_and_no_favicon_fetch(client, codes):
    for url in ("/", codes.bureau.get_absolute_url(), reverse("track"), reverse("privacy")):
        page = client.get(url).content
        assert b'rel="stylesheet"' not in page and b"<style>" in page
        assert b'<link rel="icon" href="data:image/svg+xml,' in page
        assert len(page) < 15_000, (url, len(page))
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def test_the_receipt_keeps_working_with_the_inlined_stylesheet(client, codes):
    appeal = file_appeal(client, codes.bureau)
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    page = client.get(reverse("appeal_receipt", args=[appeal.number])).content.decode()
    assert ".c-radio" in page and "工作时间1小时内分派" in page


def test_the_api_callback_needs_an_answer_on_solved_too(client, codes, people, county):
    from mashang.api.tests.test_staff_api import bearer, post

    appeal = completed(file_appeal(client, codes.bureau), people, county)
    url = f"/api/v1/appeals/{appeal.pk}/callback"
    response = post(client, url, bearer(people.supervisor), rating="5")
    assert response.status_code in (400, 409) and "是否解决" in response.json()["message"]
    appeal.refresh_from_db()
    assert appeal.status == "completed"
