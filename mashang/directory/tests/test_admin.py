from django.urls import reverse

from mashang.core.models import AuditLog
from mashang.directory.choices import Role
from mashang.directory.models import Staff
from mashang.testing import PASSWORD


def make_plain_admin():
    """An administrator who is not a superuser, with the admin permissions on staff."""
    from django.contrib.auth.models import Permission

    user = Staff.objects.create_user("t_plain_admin", password=PASSWORD, role=Role.ADMIN)
    user.user_permissions.set(Permission.objects.filter(codename__endswith="_staff"))
    return user


def test_a_non_superuser_cannot_touch_a_discipline_account(client, people):
    admin = make_plain_admin()
    client.login(username=admin.username, password=PASSWORD)
    url = reverse("admin:directory_staff_change", args=[people.discipline.pk])
    page = client.get(url).content.decode()
    assert 'name="roles"' not in page  # read-only view at most
    response = client.post(url, {"username": "t_discipline", "roles": [Role.HANDLER]})
    assert response.status_code == 403
    people.discipline.refresh_from_db()
    assert people.discipline.role_set == {Role.DISCIPLINE}


def test_a_non_superuser_cannot_make_someone_a_discipline_officer(client, people):
    admin = make_plain_admin()
    client.login(username=admin.username, password=PASSWORD)
    page = client.get(reverse("admin:directory_staff_change", args=[people.handler_a.pk]))
    assert 'value="discipline"' not in page.content.decode()


def test_role_changes_in_the_admin_are_audited(client, people):
    client.login(username="t_admin", password=PASSWORD)
    url = reverse("admin:directory_staff_change", args=[people.handler_a.pk])
    response = client.post(
        url,
        {
            "username": "t_handler_a",
            "full_name": "住建承办人",
            "roles": ["unit_leader", "catalog_admin"],
            "unit": people.handler_a.unit_id,
            "is_active": "on",
            "failed_logins": 0,
        },
    )
    assert response.status_code == 302, (response.status_code, response.content[:300])
    people.handler_a.refresh_from_db()
    assert people.handler_a.role_set == {"unit_leader", "catalog_admin"}
    log = AuditLog.objects.get(action="staff_changed", actor=people.admin)
    assert "roles" in log.detail and "catalog_admin,unit_leader" in log.detail


def test_the_admin_refuses_a_discipline_account_with_another_role(client, people):
    client.login(username="t_admin", password=PASSWORD)
    url = reverse("admin:directory_staff_change", args=[people.discipline.pk])
    response = client.post(
        url,
        {
            "username": "t_discipline",
            "full_name": "纪检干部",
            "roles": ["discipline", "dispatcher"],
            "unit": people.discipline.unit_id,
            "is_active": "on",
            "failed_logins": 0,
        },
    )
    assert (
        response.status_code == 200 and "纪检干部账号不能兼任其他角色" in response.content.decode()
    )
    people.discipline.refresh_from_db()
    assert people.discipline.role_set == {"discipline"}


def test_the_admin_lists_staff_by_any_of_their_roles(client, people):
    client.login(username="t_admin", password=PASSWORD)
    page = client.get(reverse("admin:directory_staff_changelist"), {"role": "catalog_admin"})
    text = page.content.decode()
    assert "t_clerk_b" in text and "t_catalog_admin" in text and "t_handler_b" not in text
