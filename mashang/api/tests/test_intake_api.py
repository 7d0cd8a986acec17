import re

import pytest

from mashang.appeals.models import Appeal, IntakeDraft
from mashang.appeals.tests.conftest import codes, jpeg  # noqa: F401 - fixtures
from mashang.notifications.models import Message

URL = "/api/v1/appeals"


@pytest.fixture(autouse=True)
def _clean(settings, tmp_path, db):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def form(placement, **changes):
    return {
        "code": placement.token,
        "type": "help",
        "client_token": "api-1",
        "content": "家里老人行动不便，想咨询上门办理低保年审。",
        "phone": "13800138000",
        **changes,
    }


def last_code():
    body = Message.objects.filter(template="sms_code").latest("id").body
    return re.search(r"验证码(\d{6})", body).group(1)


def test_filing_through_the_api_needs_the_sms_code(client, codes):  # noqa: F811
    response = client.post(URL, form(codes.bureau, photos=[jpeg()]))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["masked_phone"] == "138****8000" and not Appeal.objects.exists()
    response = client.post(
        f"{URL}/confirm",
        {"draft": body["draft"], "sms_code": last_code()},
        content_type="application/json",
    )
    assert response.status_code == 201
    filed = response.json()
    appeal = Appeal.objects.get(number=filed["number"])
    assert appeal.channel == "api" and appeal.photos.count() == 1
    assert re.fullmatch(r"\d{6}", filed["query_code"])


def test_the_api_gives_the_same_errors_as_the_form(client, codes):  # noqa: F811
    response = client.post(URL, form(codes.bureau, content="太短", phone="123"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "至少写10个字" in body["fields"]["content"]
    assert "11位数字" in body["fields"]["phone"]
    assert not IntakeDraft.objects.exists()


def test_unknown_and_retired_codes(client, codes, people):  # noqa: F811
    from mashang.qrcodes.actions import retire_placement

    assert client.post(URL, form(codes.bureau, code="nope")).json()["code"] == "unknown_code"
    retire_placement(codes.bureau, "停用", acting_user=people.admin)
    response = client.post(URL, form(codes.bureau))
    assert response.status_code == 410 and response.json()["message"] == "此码已停用"


def test_a_retry_with_the_same_client_token_files_once_and_reveals_nothing(client, codes):  # noqa: F811
    first = client.post(URL, form(codes.bureau))
    second = client.post(URL, form(codes.bureau, phone="13911112222"))
    assert first.status_code == 202 and second.status_code == 409
    assert second.json()["code"] == "duplicate" and "8000" not in second.content.decode()
    assert IntakeDraft.objects.count() == 1
    confirm = client.post(
        f"{URL}/confirm",
        {"draft": "api-1", "sms_code": last_code()},
        content_type="application/json",
    )
    assert confirm.status_code == 201


def test_a_wrong_type_is_a_400_in_the_common_shape(client, codes):  # noqa: F811
    response = client.post(URL, form(codes.bureau, type="praise"))
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}


def test_anonymous_accusation_is_filed_at_once(client, codes):  # noqa: F811
    response = client.post(
        URL,
        form(
            codes.discipline,
            type="accusation",
            anonymous="true",
            phone="",
            content="某站所负责人长期吃空饷，请查处。",
        ),
    )
    assert response.status_code == 201
    assert Appeal.objects.get().status == "accusation_new"


def test_openapi_documents_the_intake(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/appeals"]["post"]
    assert {"201", "202", "400", "404", "410", "429"} <= set(post["responses"])
    assert "multipart/form-data" in post["requestBody"]["content"]
