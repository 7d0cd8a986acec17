"""Every role × every application page: an application of one unit is invisible to other units'
staff; window clerks, supervision, county leaders and administrators see all (any window
accepts any item); appeal-only roles see none."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mashang.applications import actions
from mashang.applications.models import ApplicationEvent
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
    "window_clerk",
    "reviewer_a",
    "reviewer_b",
]
EVERYTHING = {"A", "B"}
VISIBLE = {
    "admin": EVERYTHING,
    "supervisor": EVERYTHING,
    "county_leader": EVERYTHING,
    "window_clerk": EVERYTHING,
    "reviewer_a": {"A"},
    "leader_a": {"A"},
    "reviewer_b": {"B"},
}
MAY_NOTE = {"window_clerk", "reviewer_a", "leader_a", "reviewer_b"}
MATRIX = {
    "application_detail": "read",
    "application_file": "read",
    "application_print": "read",
    "application_result": "read",
    "application_action": "write",
}


@pytest.fixture
def world(apply, catalog, people):
    from mashang.applications.uploads import clean_material

    a = apply(brought=[catalog.id_card, catalog.photo])
    a.materials.get(name="居民身份证")
    scan = clean_material(jpeg())
    b = actions.file_application(
        applicant=actions.Applicant("王五", "13700137000", "430422198001011235"),
        channel="window",
        item=catalog.water,
        files={catalog.id_card.pk: [scan], catalog.licence.pk: [clean_material(jpeg())]},
        acting_user=people.window_clerk,
    )
    actions.accept_application(b, acting_user=people.window_clerk)
    actions.accept_application(a, acting_user=people.window_clerk)
    return {"A": a, "B": b}


def walk(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield entry.name, prefix + str(entry.pattern)


def test_every_object_view_is_in_the_matrix():
    pages = {name for name, route in walk() if "staff/applications/<int:pk>" in route}
    assert pages and not pages - set(MATRIX), pages - set(MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_each_role_only_its_own_units_applications(client, people, world, role):
    client.login(username=getattr(people, role).username, password=PASSWORD)
    seen = VISIBLE.get(role, set())
    listing = client.get(reverse("application_list"), {"tab": "review"})
    for key, application in world.items():
        allowed = key in seen
        if listing.status_code == 200:
            assert (application.number in listing.content.decode()) == allowed, (role, key)
        detail = client.get(reverse("application_detail", args=[application.pk]))
        expected = 200 if allowed else (404 if listing.status_code == 200 else 403)
        assert detail.status_code == expected, (role, key)
        printed = client.get(reverse("application_print", args=[application.pk, "acceptance"]))
        assert printed.status_code == expected, (role, key, "print")
        if key == "B":
            f = application.materials.exclude(files=None).first().files.first()
            got = client.get(reverse("application_file", args=[application.pk, f.pk]))
            assert got.status_code == expected, (role, key, "file")
        before = ApplicationEvent.objects.filter(application=application, kind="note").count()
        client.post(
            reverse("application_action", args=[application.pk, "note"]), {"text": "矩阵备注"}
        )
        after = ApplicationEvent.objects.filter(application=application, kind="note").count()
        assert after - before == (1 if allowed and role in MAY_NOTE else 0), (role, key, "note")


def test_every_look_at_an_application_is_audited(client, people, world):
    from mashang.core.models import AuditLog

    client.login(username=people.reviewer_b.username, password=PASSWORD)
    b = world["B"]
    f = b.materials.exclude(files=None).first().files.first()
    client.get(reverse("application_file", args=[b.pk, f.pk]))
    actions_logged = set(
        AuditLog.objects.filter(object_id=str(b.pk)).values_list("action", flat=True)
    )
    assert {"application_viewed", "application_file_viewed"} <= actions_logged
