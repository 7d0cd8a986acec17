"""Staff hold a set of roles: permissions follow the union, the commission stays apart."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mashang.core.nav import nav_for
from mashang.directory.choices import Role
from mashang.directory.models import Staff
from mashang.testing import PASSWORD


def test_a_person_with_two_roles_has_both(people):
    clerk = people.clerk_b
    assert clerk.has_role(Role.HANDLER) and clerk.has_role(Role.CATALOG_ADMIN)
    assert not clerk.has_role(Role.DISPATCHER, Role.ADMIN)


def test_an_inactive_person_has_no_role(people):
    people.clerk_b.is_active = False
    assert not people.clerk_b.has_role(Role.HANDLER, Role.CATALOG_ADMIN)


def test_the_navigation_offers_the_pages_of_every_role_held(people):
    shown = {item["name"] for item in nav_for(people.clerk_b)}
    handler_only = {item["name"] for item in nav_for(people.handler_b)}
    assert "workbench" in shown and handler_only <= shown


def test_a_second_role_opens_its_pages_and_no_others(client, people):
    client.login(username="t_clerk_b", password=PASSWORD)
    assert client.get(reverse("workbench")).status_code == 200
    assert client.get(reverse("desk")).status_code == 403


def test_a_discipline_account_holds_no_other_role(people):
    people.discipline.roles = [Role.DISCIPLINE, Role.HANDLER]
    with pytest.raises(ValidationError):
        people.discipline.save()


def test_an_account_needs_at_least_one_role(db):
    with pytest.raises(ValidationError):
        Staff.objects.create_user("t_nobody", password=PASSWORD)


def test_unknown_roles_are_refused(db):
    with pytest.raises(ValidationError):
        Staff.objects.create_user("t_odd", password=PASSWORD, roles=["wizard"])


def test_a_superuser_is_always_an_administrator(db):
    user = Staff.objects.create_superuser("t_root", password=PASSWORD)
    assert user.role_set == {Role.ADMIN} and user.is_staff


def test_roles_are_stored_sorted_and_once(db):
    user = Staff.objects.create_user(
        "t_multi", password=PASSWORD, roles=[Role.HANDLER, Role.CATALOG_ADMIN, Role.HANDLER]
    )
    user.refresh_from_db()
    assert user.roles == sorted({Role.HANDLER, Role.CATALOG_ADMIN})
