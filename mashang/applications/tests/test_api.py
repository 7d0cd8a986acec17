import pytest

from mashang.api.models import ApiToken
from mashang.applications.models import Application
from mashang.notifications.models import Message

from .test_permission_matrix import MAY_NOTE, ROLES, VISIBLE, world  # noqa: F401 - fixture


def _code(client, phone="13900139000"):
    response = client.post(
        "/api/v1/applications/code", {"phone": phone}, content_type="application/json"
    )
    assert response.status_code == 200
    body = Message.objects.filter(template="sms_code").latest("id").body
    return "".join(ch for ch in body if ch.isdigit())[:6]


def _payload(catalog, code, **extra):
    return {
        "item_code": catalog.house.code,
        "phone": "13900139000",
        "sms_code": code,
        "applicant_name": "李四",
        "applicant_id_number": "43042219900101123X",
        "form": {"project_name": "新建仓库"},
        "client_token": "t-1",
        **extra,
    }


def test_online_filing_over_the_api_follows_the_pages_rules(client, catalog):
    code = _code(client)
    bad = client.post(
        "/api/v1/applications",
        _payload(catalog, code, form={}, applicant_id_number="1"),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"f_project_name", "applicant_id_number"}
    assert not Application.objects.exists()
    wrong_code = client.post(
        "/api/v1/applications",
        _payload(catalog, "000000" if code != "000000" else "111111"),
        content_type="application/json",
    )
    assert wrong_code.status_code == 400 and "验证码" in wrong_code.json()["message"]
    good = client.post(
        "/api/v1/applications", _payload(catalog, code), content_type="application/json"
    )
    assert good.status_code == 201 and good.json()["status"] == "submitted"
    assert Application.objects.get().channel == "api"


def test_a_bundle_filed_over_the_api_has_its_parts(client, catalog):
    code = _code(client)
    response = client.post(
        "/api/v1/applications",
        _payload(catalog, code, item_code="", bundle_code=catalog.bundle.code),
        content_type="application/json",
    )
    assert response.status_code == 201 and len(response.json()["parts"]) == 2


@pytest.mark.parametrize("role", ROLES)
def test_the_api_shows_each_role_only_its_units_applications(client, people, world, role):  # noqa: F811
    _t, raw = ApiToken.issue(getattr(people, role), "矩阵")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for key, application in world.items():
        allowed = key in VISIBLE.get(role, set())
        got = client.get(f"/api/v1/applications/{application.pk}", **auth)
        assert got.status_code == (200 if allowed else 404), (role, key)
        noted = client.post(
            f"/api/v1/applications/{application.pk}/note",
            {"note": "矩阵"},
            content_type="application/json",
            **auth,
        )
        expected = 404 if not allowed else (200 if role in MAY_NOTE else 409)
        assert noted.status_code == expected, (role, key)


def test_staff_actions_over_the_api(client, people, world):  # noqa: F811
    _t, raw = ApiToken.issue(people.reviewer_a, "审批")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    a = world["A"]
    refused = client.post(
        f"/api/v1/applications/{a.pk}/decide",
        {"decision": "refuse"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 409 and "理由" in refused.json()["message"]
    ok = client.post(
        f"/api/v1/applications/{a.pk}/decide",
        {"decision": "approve"},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200 and ok.json()["status"] == "decided"
