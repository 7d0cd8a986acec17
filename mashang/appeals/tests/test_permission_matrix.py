"""Every role × every page and API endpoint × (own unit's appeal, another unit's, an accusation,
a leader's): nobody sees or touches what is not theirs. A new view with an object in its URL
fails `test_every_object_view_is_in_the_matrix` until it is added here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mashang.api.models import ApiToken
from mashang.appeals import actions
from mashang.appeals.models import AppealEvent, AppealPhoto
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement
from mashang.testing import PASSWORD

from .conftest import jpeg

ROLES = [
    "admin",
    "dispatcher",
    "handler_a",
    "handler_b",
    "leader_a",
    "discipline",
    "supervisor",
    "county_leader",
    "catalog_admin",
    "policy_officer",
    "finance_clerk",
    "clerk_b",
]
# Who may see which appeal: A is led by housing (handler_a, leader_a), B by water (handler_b),
# X is an accusation, L was filed from the 找县长 code and still waits at the desk. County
# leaders read everything but an accusation and act on nothing.
VISIBLE = {
    "admin": {"A", "B", "L"},
    "dispatcher": {"A", "B", "L"},
    "supervisor": {"A", "B", "L"},
    "handler_a": {"A"},
    "leader_a": {"A"},
    "handler_b": {"B"},
    "discipline": {"X"},
    "county_leader": {"A", "B", "L"},  # oversees everything, read-only
    "catalog_admin": set(),  # one-window roles see no appeal
    "policy_officer": set(),
    "finance_clerk": set(),
    "clerk_b": {"B"},  # handler of water and catalogue keeper: the handler's appeals, no more
}
# Who may add an internal note to what they see (leaders' offices only read).
MAY_NOTE = {
    "admin",
    "dispatcher",
    "supervisor",
    "handler_a",
    "leader_a",
    "handler_b",
    "discipline",
    "clerk_b",
}

# The matrix: every URL name (page or API operation) that takes an appeal.
MATRIX = {
    "appeal_detail": "read",
    "appeal_photo": "read",
    "appeal_action": "write",
    "api:get_appeal": "read",
    "api:act": "write",
}


@pytest.fixture
def world(county, people, codes, file):
    a = file()
    actions.dispatch_appeal(a, county.units.housing, acting_user=people.dispatcher)
    b = file(codes.township, content="水渠堵塞，田里的水排不出去，请帮忙疏通。")
    actions.dispatch_appeal(b, county.units.water, acting_user=people.dispatcher)
    x = file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    mayor = Placement.objects.create(
        kind=QRKind.COUNTY_MAYOR,
        division=county.town_a,
        place_label="茶市镇便民服务中心",
        addressee_unit=county.units.county_gov,
    )
    leader = file(mayor, content="希望县里统筹解决镇上学校校车不足的问题。")
    objects = {"A": a, "B": b, "X": x, "L": leader}
    for appeal in objects.values():
        photo = jpeg()
        AppealPhoto.objects.create(appeal=appeal, image=photo, width=64, height=48, size=photo.size)
    return objects


def walk(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            namespace = entry.namespace
            for name, route in walk(entry, prefix + str(entry.pattern)):
                yield (f"{namespace}:{name}" if namespace and name else name), route
        elif isinstance(entry, URLPattern):
            yield entry.name, prefix + str(entry.pattern)


def test_every_object_view_is_in_the_matrix():
    from mashang.api.api import api

    pages = {name for name, route in walk() if "staff/appeals/<int:pk>" in route}
    operations = {
        "api:" + op["operationId"].removeprefix("mashang_api_staff_")
        for path, methods in api.get_openapi_schema()["paths"].items()
        if "{appeal_id}" in path
        for op in methods.values()
    }
    assert pages and operations, "the walk found no object views"
    missing = (pages | operations) - set(MATRIX)
    assert not missing, f"add these views to MATRIX and to the tests below: {missing}"


def login(client, user):
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_each_role_only_its_own_appeals(client, people, world, role):
    user = getattr(people, role)
    login(client, user)
    for key, appeal in world.items():
        allowed = key in VISIBLE[role]
        detail = client.get(reverse("appeal_detail", args=[appeal.pk]))
        assert detail.status_code == (200 if allowed else 404), (role, key)
        photo = appeal.photos.get()
        image = client.get(reverse("appeal_photo", args=[appeal.pk, photo.pk]))
        assert image.status_code == (200 if allowed else 404), (role, key, "photo")
        before = AppealEvent.objects.filter(appeal=appeal, kind="note").count()
        client.post(reverse("appeal_action", args=[appeal.pk, "note"]), {"text": "矩阵测试备注"})
        after = AppealEvent.objects.filter(appeal=appeal, kind="note").count()
        assert after - before == (1 if allowed and role in MAY_NOTE else 0), (role, key, "note")


@pytest.mark.parametrize("role", ROLES)
def test_the_api_shows_each_role_only_its_own_appeals(client, people, world, role):
    _t, raw = ApiToken.issue(getattr(people, role), "矩阵")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    listed = {item["number"] for item in client.get("/api/v1/appeals", **auth).json()["items"]}
    assert listed == {world[k].number for k in VISIBLE[role]}
    for key, appeal in world.items():
        allowed = key in VISIBLE[role]
        response = client.get(f"/api/v1/appeals/{appeal.pk}", **auth)
        assert response.status_code == (200 if allowed else 404), (role, key)
        response = client.post(
            f"/api/v1/appeals/{appeal.pk}/note",
            {"note": "矩阵"},
            content_type="application/json",
            **auth,
        )
        expected = 404 if not allowed else (200 if role in MAY_NOTE else 409)
        assert response.status_code == expected, (role, key, "note")


@pytest.mark.parametrize("role", ROLES)
def test_list_pages_never_show_an_accusation_to_others(client, people, world, role):
    login(client, getattr(people, role))
    accusation = world["X"]
    for name in ("staff_home", "desk", "workbench", "discipline_queue", "callbacks", "leader_view"):
        for params in ({}, {"status": "accusation_new"}, {"type": "accusation"}):
            response = client.get(reverse(name), params)
            page = response.content.decode()
            if role == "discipline" and name == "discipline_queue" and response.status_code == 200:
                assert accusation.number in page
            elif role != "discipline":
                assert accusation.number not in page and "收受红包" not in page, (role, name)


def test_others_see_accusations_only_as_a_count(client, people, world):
    login(client, people.dispatcher)
    page = client.get(reverse("desk")).content.decode()
    assert "检举控告 1 件" in page and world["X"].number not in page


def test_a_leaders_own_page_lists_what_was_addressed_to_them(client, people, world):
    login(client, people.county_leader)
    page = client.get(reverse("leader_view")).content.decode()
    assert world["L"].number in page and world["A"].number not in page
