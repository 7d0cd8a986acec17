"""The JSON API against its OpenAPI file: fuzzed, then the rules a fuzzer cannot see.

Fuzzing (schemathesis, from the served /api/v1/openapi.json): every operation gets about
`EXAMPLES` generated requests per phase, valid and invalid ones, and must never answer 5xx or
anything the schema does not describe. All of schemathesis' checks run except one: "valid data
must be accepted" cannot know our business rules (an existing unit, the appeal's state, which
answer 400 with their own message), so it is replaced by a sharper one: a request the schema
calls valid never fails the API's own schema validation. The run prints how many requests it
sent (about 500, a few seconds on SQLite).
"""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mashang.api import auth
from mashang.api.errors import SCHEMA_MISMATCH
from mashang.api.models import ApiToken, digest
from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.wsgi import application

EXAMPLES = 25  # per operation: the whole run stays well under a minute
TOKEN = "msb_fuzzing-only-token"
CHINESE = re.compile("[\u4e00-\u9fff]")

# Read from the served file, as any client would (pytest-django has set Django up by now).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# NUL characters are generated too: the middleware refuses them in the API's error shape.


@schema.auth(refresh_interval=None)
class DispatcherToken:
    """The desk's token: it sees every appeal that is not an accusation."""

    def get(self, case, ctx):
        return TOKEN

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def schema_valid_input_passes_validation(ctx, response, case):
    """A request the OpenAPI file calls valid is never refused as not matching it."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 400 and response.json().get("message") == SCHEMA_MISMATCH:
        raise AssertionError(f"schema-valid request refused by validation: {response.text}")
    return None


CALLS: list[str] = []  # one entry per request sent, for the summary line


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not CALLS:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(
            f"fuzzing: {len(CALLS)} generated requests over {len(set(CALLS))} operations"
        )


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Django's test client keeps the test's database connection across requests; the bare WSGI
    application closes it when each request finishes, which ends the test's transaction on
    PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def appeals(settings, tmp_path, county, file, monkeypatch, wsgi_keeps_the_test_connection):  # noqa: F811
    """Appeals in several states for the staff actions to hit, and the desk's token."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The per-token limit has its own test; here it would only turn most cases into 429s.
    monkeypatch.setattr(auth, "TOKEN_LIMIT", (10_000, 60))
    people = county.people
    ApiToken.objects.create(user=people.dispatcher, name="fuzz", key_digest=digest(TOKEN))
    file()
    dispatched = file(phone="13800000001")
    actions.dispatch_appeal(dispatched, county.units.housing, acting_user=people.dispatcher)
    accepted = file(phone="13800000002")
    actions.dispatch_appeal(accepted, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(accepted, acting_user=people.handler_a)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # no example database under the project: every run starts afresh
)
def test_the_api_answers_every_generated_request_as_documented(case, appeals):
    CALLS.append(case.operation.label)
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_input_passes_validation],
    )


# ---- the contract the fuzzer cannot see on its own ------------------------------------


def bearer(user) -> dict:
    _token, raw = ApiToken.issue(user, "测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def one_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code
    return body


def test_every_operation_documents_its_errors_in_the_one_shape(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            documented = operation["responses"]
            staff = bool(operation.get("security"))
            expected = {"400", "429"} | ({"401"} if staff else set())
            assert expected <= set(documented), (method, path)
            for status, response in documented.items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (method, path, status)
                    assert CHINESE.search(response["description"]), (method, path, status)


def test_a_token_has_its_own_rate_limit(client, people, monkeypatch):
    monkeypatch.setattr(auth, "TOKEN_LIMIT", (2, 60))
    busy, other = bearer(people.dispatcher), bearer(people.dispatcher)
    for _ in range(2):
        assert client.get("/api/v1/appeals", **busy).status_code == 200
    body = one_shape(client.get("/api/v1/appeals", **busy), 429, "rate_limited")
    assert "频繁" in body["message"]
    assert client.get("/api/v1/appeals", **other).status_code == 200


def test_lists_are_paginated_within_bounds(client, people, file):  # noqa: F811
    for phone in ("13800000001", "13800000002", "13800000003"):
        file(phone=phone)
    auth_ = bearer(people.dispatcher)
    page = client.get("/api/v1/appeals", {"page": 2, "page_size": 2}, **auth_).json()
    assert page["count"] == 3 and page["page"] == 2 and len(page["items"]) == 1
    for bad in ({"page": 0}, {"page_size": 101}, {"page": 10**30}):
        one_shape(client.get("/api/v1/appeals", bad, **auth_), 400, "invalid")


def test_ids_and_actions_out_of_range_are_400_in_the_one_shape(client, people, file):  # noqa: F811
    appeal = file()
    auth_ = bearer(people.dispatcher)
    one_shape(client.get(f"/api/v1/appeals/{2**70}", **auth_), 400, "invalid")
    one_shape(client.get("/api/v1/appeals/abc", **auth_), 400, "invalid")
    response = client.post(
        f"/api/v1/appeals/{appeal.pk}/praise", {}, content_type="application/json", **auth_
    )
    one_shape(response, 400, "invalid")


def test_action_bodies_are_typed_as_documented(client, people, county, file):  # noqa: F811
    appeal = file()
    auth_ = bearer(people.dispatcher)
    url = f"/api/v1/appeals/{appeal.pk}/dispatch"

    def send(**body):
        return client.post(url, body, content_type="application/json", **auth_)

    one_shape(send(lead_unit_id=str(county.units.housing.pk)), 400, "invalid")
    one_shape(send(lead_unit_id=county.units.housing.pk, approve=0), 400, "invalid")
    one_shape(send(lead_unit_id=county.units.housing.pk, new_due=0), 400, "invalid")
    response = send(lead_unit_id=float(county.units.housing.pk))  # 7.0 is a JSON integer
    assert response.status_code == 200 and response.json()["status"] == "dispatched"


def test_an_extension_without_its_new_deadline_is_a_400(client, people, county, file):  # noqa: F811
    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(appeal, acting_user=people.handler_a)
    response = client.post(
        f"/api/v1/appeals/{appeal.pk}/extend",
        {"reason": "需要协调多个部门"},
        content_type="application/json",
        **bearer(people.handler_a),
    )
    assert one_shape(response, 400, "invalid")["fields"] == {"new_due": "缺少此项"}
