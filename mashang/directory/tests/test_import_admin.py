"""The directory import in the admin: same checks, same rules, same audit."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from mashang.core.models import AuditLog
from mashang.directory.choices import Role
from mashang.directory.models import Staff
from mashang.testing import PASSWORD

from .county_file import write_county_file
from .test_admin import make_plain_admin

pytestmark = pytest.mark.django_db


def _upload(client, path):
    with open(path, "rb") as f:
        return client.post(reverse("admin:directory_import"), {"file": f})


def test_a_superuser_imports_a_county_from_the_admin(client, people, tmp_path):
    client.login(username="t_admin", password=PASSWORD)
    response = _upload(client, write_county_file(tmp_path / "county.xlsx"))
    assert response.status_code == 302
    assert Staff.objects.get(username="jw_officer").role_set == {Role.DISCIPLINE}
    assert AuditLog.objects.filter(action="directory_imported", actor=people.admin).exists()


def test_the_admin_lists_every_problem_and_writes_nothing(client, people, tmp_path):
    admin = make_plain_admin()
    admin.user_permissions.add(*Permission.objects.filter(content_type__app_label="directory"))
    client.login(username=admin.username, password=PASSWORD)
    before = Staff.objects.count()
    response = _upload(client, write_county_file(tmp_path / "county.xlsx"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "导入未执行：共 1 处问题" in page
    assert "第6行：纪检干部账号只能由超级管理员导入或修改。" in page
    assert Staff.objects.count() == before


def test_an_administrator_without_directory_rights_is_refused(client, people):
    admin = make_plain_admin()  # may change staff, not divisions or units
    client.login(username=admin.username, password=PASSWORD)
    assert client.get(reverse("admin:directory_import")).status_code == 403
    assert client.get(reverse("admin:directory_export")).status_code == 403


def test_the_admin_downloads_the_directory_as_the_template(client, people):
    client.login(username="t_admin", password=PASSWORD)
    response = client.get(reverse("admin:directory_export"))
    assert response["Content-Disposition"].startswith("attachment;")
    wb = load_workbook(io.BytesIO(response.content))
    usernames = {row[0].value for row in wb["工作人员"].iter_rows(min_row=2)}
    assert {"t_admin", "t_handler_a", "t_discipline"} <= usernames


def test_the_staff_list_links_to_import_and_export(client, people):
    client.login(username="t_admin", password=PASSWORD)
    page = client.get(reverse("admin:directory_staff_changelist")).content.decode()
    assert reverse("admin:directory_import") in page and reverse("admin:directory_export") in page
