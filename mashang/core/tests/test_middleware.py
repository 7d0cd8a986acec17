import pytest

from mashang.appeals.models import IntakeDraft


@pytest.mark.parametrize("field", ["form_token", "content"])
def test_a_nul_byte_in_a_form_is_a_clear_400(client, db, field):
    response = client.post("/track", {"number": "430422-2026-000001", field: "a\x00b"})
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()
    assert not IntakeDraft.objects.exists()


def test_a_nul_byte_in_json_or_query_is_a_400(client, db):
    assert client.get("/q", {"code": "AB\x00CD"}).status_code == 400
    response = client.post(
        "/api/v1/appeals/confirm",
        '{"draft": "x\\u0000", "sms_code": "1"}',
        content_type="application/json",
    )
    assert response.status_code == 400


def test_the_api_and_open311_refuse_in_their_own_error_formats(client, db):
    response = client.post(
        "/api/v1/appeals/confirm",
        '{"draft": "x\\u0000", "sms_code": "1"}',
        content_type="application/json",
    )
    assert response.json() == {"code": "invalid", "message": "请求包含无效字符。", "fields": {}}
    response = client.get("/open311/v2/requests.json", {"service_code": "a\x00"})
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "请求包含无效字符。"}]
    xml = client.get("/open311/v2/requests.xml", {"service_code": "a\x00"}).content.decode()
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>') and "<errors>" in xml
