from django.core.management import call_command

from mashang.api.models import ApiToken
from mashang.appeals.choices import AppealStatus
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.core.models import AuditLog


def bearer(user) -> dict:
    _t, raw = ApiToken.issue(user, "测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, url, auth, **body):
    return client.post(url, body, content_type="application/json", **auth)


def test_the_whole_journey_through_the_api(client, people, county, file):  # noqa: F811
    appeal = file()
    desk, unit, sup = bearer(people.dispatcher), bearer(people.handler_a), bearer(people.supervisor)
    base = f"/api/v1/appeals/{appeal.pk}"
    r = post(client, f"{base}/dispatch", desk, lead_unit_id=county.units.housing.pk)
    assert r.status_code == 200 and r.json()["status"] == AppealStatus.DISPATCHED
    assert post(client, f"{base}/accept", unit).json()["status"] == AppealStatus.ACCEPTED
    r = post(client, f"{base}/reply", unit, result="路灯已修好，恢复照明。")
    assert r.json()["status"] == AppealStatus.COMPLETED
    r = post(client, f"{base}/callback", sup, rating="5", solved=True)
    assert r.json()["status"] == AppealStatus.CLOSED
    detail = client.get(base, **sup).json()
    assert [e["kind"] for e in detail["events"]] == [
        "received",
        "dispatch",
        "accept",
        "reply",
        "callback",
    ]


def test_the_api_lists_only_what_the_token_owner_may_see(client, people, county, file, codes):  # noqa: F811
    mine = file()
    file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    r = client.get("/api/v1/appeals", **bearer(people.dispatcher))
    assert r.json()["count"] == 1 and r.json()["items"][0]["number"] == mine.number
    assert client.get("/api/v1/appeals", **bearer(people.handler_a)).json()["count"] == 0
    assert client.get("/api/v1/appeals", **bearer(people.discipline)).json()["count"] == 1


def test_an_illegal_action_is_a_409_with_a_chinese_message(client, people, file):  # noqa: F811
    appeal = file()
    r = post(client, f"/api/v1/appeals/{appeal.pk}/accept", bearer(people.dispatcher))
    assert r.status_code == 409
    assert r.json()["code"] == "not_allowed" and "不能执行" in r.json()["message"]


def test_an_invisible_appeal_is_a_404(client, people, codes, file):  # noqa: F811
    accusation = file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    r = client.get(f"/api/v1/appeals/{accusation.pk}", **bearer(people.dispatcher))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.get(f"/api/v1/appeals/{accusation.pk}", **bearer(people.discipline))
    assert r.status_code == 200
    assert AuditLog.objects.filter(
        action="accusation_viewed", actor=people.discipline, object_id=str(accusation.pk)
    ).exists()


def test_no_token_or_a_revoked_token_is_a_401(client, people, file):  # noqa: F811
    from django.utils import timezone

    assert client.get("/api/v1/appeals").status_code == 401
    auth = bearer(people.dispatcher)
    ApiToken.objects.update(revoked_at=timezone.now())
    r = client.get("/api/v1/appeals", **auth)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_apitoken_command_prints_a_working_token(client, people, capsys):
    import io

    out = io.StringIO()
    call_command("apitoken", people.dispatcher.username, stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("msb_") and not ApiToken.objects.filter(key_digest=raw).exists()
    assert client.get("/api/v1/appeals", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_intake_and_staff_list_share_the_path(client, people, codes):  # noqa: F811
    r = client.post(
        "/api/v1/appeals",
        {"code": codes.bureau.token, "type": "help", "client_token": "x", "content": "短"},
    )
    assert r.status_code == 400
    assert client.get("/api/v1/appeals", **bearer(people.dispatcher)).status_code == 200
