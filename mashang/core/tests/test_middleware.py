import pytest

from mashang.appeals.models import IntakeDraft


@pytest.mark.parametrize("field", ["form_token", "content"])
def test_a_nul_byte_in_the_citizen_form_shows_the_form_again_with_what_was_typed(
    client, db, county, field
):
    from mashang.qrcodes.models import Placement

    placement = Placement.objects.create(
        kind="bureau", division=county.county, addressee_unit=county.units.housing
    )
    typed = {"type": "complaint", "content": "村口的路灯坏了三个月，晚上走路很危险。"}
    typed[field] = typed.get(field, "tok") + "\x00"
    response = client.post(placement.get_absolute_url(), {**typed, "phone": "13800138000"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "无法识别的字符" in page and 'method="post"' in page
    assert "村口的路灯坏了三个月" in page  # nothing typed is lost
    assert not IntakeDraft.objects.exists()


def test_a_nul_byte_in_the_tracking_form_keeps_the_number(client, db):
    response = client.post("/track", {"number": "430422-2026-000001", "query_code": "12\x0034"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "无法识别的字符" in page and "430422-2026-000001" in page


def test_a_nul_byte_in_a_staff_form_is_still_refused(client, people):
    client.force_login(people.dispatcher)
    response = client.post("/staff/appeals/1/note", {"text": "a\x00b"})
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()


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


def test_every_page_carries_a_content_security_policy(client, db):
    response = client.get("/q")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "object-src 'none'" in csp
    assert "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("style-src")[0]


def test_staff_pages_showing_phones_are_never_cached(client, people):
    client.force_login(people.dispatcher)
    response = client.get("/staff/desk/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_inline_scripts_carry_this_responses_nonce_and_no_other(client, county):
    import re

    from mashang.qrcodes.models import Placement
    from mashang.qrcodes.placements import generate_placements

    generate_placements(county.county)
    placement = Placement.objects.first()
    first = client.get(placement.get_absolute_url())
    second = client.get(placement.get_absolute_url())
    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        scripts = re.findall(r"<script([^>]*)>", response.content.decode())
        assert scripts and all(
            f'nonce="{nonce}"' in attrs for attrs in scripts if "src=" not in attrs
        )
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_every_inline_script_in_our_templates_asks_for_the_nonce():
    """The CSP refuses an inline script without this response's nonce: find them all here."""
    import re
    from pathlib import Path

    import mashang

    root = Path(mashang.__file__).parent
    missing = []
    for template in root.rglob("templates/**/*.html"):
        for attrs in re.findall(r"<script([^>]*)>", template.read_text(encoding="utf-8")):
            if "src=" not in attrs and "application/json" not in attrs and "csp_nonce" not in attrs:
                missing.append(str(template.relative_to(root)))
        # Inline event attributes (onclick=…) never run under the policy, nonce or not.
        if re.search(r"<[^>]+\son[a-z]+\s*=", template.read_text(encoding="utf-8")):
            missing.append(f"{template.relative_to(root)}: inline event attribute")
    assert not missing, missing
