"""Open311 as real clients use it: odd paths, long descriptions, media links, addresses."""

import pytest
from django.test import Client

from mashang.api.models import PartnerRequest, PartnerSystem
from mashang.api.tests.test_open311 import BASE, as_json, as_xml, filing, get, post
from mashang.appeals.models import Appeal, AppealEvent, joined_place


@pytest.fixture(autouse=True)
def _clean(settings, tmp_path, db):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def partner(county):
    return PartnerSystem.issue("衡阳市12345热线")


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_a_doubled_slash_reaches_the_endpoint_not_a_csrf_page(partner):
    # The PyPI `open311` client joins "…/open311/v2/" and "/requests.xml".
    _p, key = partner
    client = csrf_client()
    response = client.post(f"{BASE}//requests.xml", filing(key))
    assert response.status_code == 200, response.content.decode()
    number = as_xml(response).findtext("request/service_request_id")
    assert Appeal.objects.filter(number=number).exists()
    assert as_json(client.get(f"{BASE}//services//help.json"))["service_code"] == "help"


def test_every_path_under_open311_answers_in_its_error_format_even_on_post(county):
    client = csrf_client()
    for path in ("nothing.xml", "requests/x/y.xml", "", "//", "requests"):
        response = client.post(f"{BASE}/{path}", {"a": "b"})
        assert response.status_code == 404, path
        assert as_xml(response).tag == "errors", path
    response = client.post(f"{BASE}/nothing.json")
    assert response.status_code == 404 and as_json(response)[0]["code"] == 404
    # A POST without a key to a real endpoint: the specification's 403, never Django's page.
    response = client.post(f"{BASE}//requests.xml", {"service_code": "help"})
    assert response.status_code == 403 and as_xml(response).findtext("error/code") == "403"


def test_a_description_may_have_the_specifications_4000_characters(client, partner):
    _p, key = partner
    text = "村口路灯坏了很久。" * 444  # 3,996 characters
    response = post(client, filing(key, description=text))
    assert response.status_code == 200, response.content.decode()
    assert Appeal.objects.get().content == text
    response = post(client, filing(key, description=text + "多出的五个"))
    assert response.status_code == 400
    assert "4000" in as_json(response)[0]["description"]


def test_the_division_attribute_is_optional_as_post_takes_the_address_instead(client, partner):
    _p, key = partner
    definition = as_json(get(client, "services/help.json"))
    division = next(a for a in definition["attributes"] if a["code"] == "division")
    assert division["required"] is False
    fields = filing(key, **{"attribute[division]": None, "address_string": "冠市镇荷花村"})
    assert post(client, fields).status_code == 200
    fields = filing(key, **{"attribute[division]": None, "address_string": "衡南县"})
    assert post(client, fields, query=None).status_code == 200
    assert sorted(Appeal.objects.values_list("division__code", flat=True)) == [
        "430422",
        "430422102201",
    ]


def test_media_url_is_kept_as_a_link_for_staff_and_never_fetched(client, partner, people):
    partner_obj, key = partner
    url = "https://img.12345.example.cn/p/abc.jpg"
    response = post(client, filing(key, media_url=url))
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert PartnerRequest.objects.get(appeal=appeal).media_url == url
    assert not appeal.photos.exists()  # nothing downloaded
    note = AppealEvent.objects.get(appeal=appeal, kind="note")
    assert url in note.note and not note.is_public
    own = as_json(get(client, f"requests/{appeal.number}.json", api_key=key))[0]
    assert own["media_url"] == url
    assert as_json(get(client, f"requests/{appeal.number}.json"))[0]["media_url"] is None
    client.force_login(people.dispatcher)
    page = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert f'<a href="{url}"' in page and '<img src="https://img' not in page


def test_a_media_url_that_is_not_a_web_link_is_a_400(client, partner):
    _p, key = partner
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "img.jpg"):
        response = post(client, filing(key, media_url=bad))
        assert response.status_code == 400, bad
        assert "media_url" in as_json(response)[0]["description"]
    assert not Appeal.objects.exists()


def test_the_partners_address_is_not_said_twice(client, partner, people):
    _p, key = partner
    for detail in ("衡南县茶市镇", "茶市镇", "衡南县茶市镇新塘村口"):
        response = post(client, filing(key, address_string=detail))
        number = as_json(response)[0]["service_request_id"]
        row = as_json(get(client, f"requests/{number}.json", api_key=key))[0]
        assert row["address"] == joined_place(["衡南县", "茶市镇"], detail)
    addresses = [
        as_json(get(client, f"requests/{a.number}.json", api_key=key))[0]["address"]
        for a in Appeal.objects.order_by("id")
    ]
    assert addresses == ["衡南县茶市镇", "衡南县茶市镇", "衡南县茶市镇新塘村口"]
    client.force_login(people.dispatcher)
    appeal = Appeal.objects.order_by("id").first()
    page = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "地点：衡南县茶市镇</p>" in page


def test_a_place_detail_elsewhere_is_added_after_the_division():
    assert joined_place(["衡南县", "茶市镇"], "老屋场路口") == "衡南县茶市镇 老屋场路口"
    assert joined_place(["衡南县"], "") == "衡南县"
