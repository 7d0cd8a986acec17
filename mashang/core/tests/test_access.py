"""Every page declares who may open it; each role sees only its own pages."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mashang.core.access import ALL_STAFF, PUBLIC
from mashang.core.nav import STAFF_NAV, nav_for
from mashang.directory.choices import Role
from mashang.testing import PASSWORD


def our_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            # The admin guards itself (is_staff); the JSON API authenticates per endpoint.
            if entry.app_name == "admin" or entry.namespace == "api":
                continue
            yield from our_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_every_view_declares_its_audience():
    undeclared = [
        route for route, p in our_patterns() if getattr(p.callback, "access", None) is None
    ]
    assert undeclared == [], f"views without staff_view/public_view: {undeclared}"


def test_every_declared_role_exists():
    for route, p in our_patterns():
        access = p.callback.access
        if access != PUBLIC:
            assert access <= ALL_STAFF, route


def staff_routes():
    return [
        (route, p)
        for route, p in our_patterns()
        if p.callback.access != PUBLIC and "<" not in route
    ]


@pytest.mark.parametrize("role", Role.values)
def test_role_matrix_for_parameterless_staff_pages(client, people, role):
    user = next(p for p in vars(people).values() if p.role_set == {role})
    client.login(username=user.username, password=PASSWORD)
    for route, p in staff_routes():
        response = client.get("/" + route)
        if role in p.callback.access:
            # Allowed: the page answers (a download with nothing to print may be a 404).
            assert response.status_code in (200, 404, 405), (role, route)
        else:
            assert response.status_code == 403, (role, route)


def test_anonymous_visitors_are_sent_to_login(client, db):
    for route, _p in staff_routes():
        response = client.get("/" + route)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), route


def test_nav_lists_exactly_the_pages_the_role_may_open(people):
    nav_names = {name for name, _label in STAFF_NAV}
    for user in vars(people).values():
        shown = {item["name"] for item in nav_for(user)}
        for _route, p in staff_routes():
            if p.name in nav_names:
                assert (p.name in shown) == bool(user.role_set & p.callback.access), (user, p.name)


def test_nav_links_follow_the_script_prefix_and_the_urlconf(people, settings):
    """The nav's URLs are read once per URLconf and prefix, never kept across a change."""
    from django.urls import set_script_prefix

    plain = {item["name"]: item["url"] for item in nav_for(people.dispatcher)}
    assert plain["desk"] == reverse("desk")
    set_script_prefix("/mashang/")
    try:
        prefixed = {item["name"]: item["url"] for item in nav_for(people.dispatcher)}
    finally:
        set_script_prefix("/")
    assert prefixed["desk"] == "/mashang" + plain["desk"]
    settings.ROOT_URLCONF = "mashang.core.tests.urls_desk_moved"
    moved = {item["name"]: item["url"] for item in nav_for(people.dispatcher)}
    assert moved["desk"] == "/elsewhere/desk/" and moved["inbox"] == plain["inbox"]


def test_only_administrators_reach_the_django_admin(client, people):
    client.login(username="t_dispatcher", password=PASSWORD)
    assert client.get("/admin/").status_code == 302
    client.logout()
    client.login(username="t_admin", password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "码上办 管理后台" in response.content.decode()
