import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mashang.deadlines import calendar
from mashang.deadlines.models import Holiday

pytestmark = pytest.mark.django_db


def test_a_csv_loads_a_new_year(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(
        "date,type,name\n2027-01-01,休,元旦\n2027-02-06,班,春节调休\n", encoding="utf-8"
    )
    call_command("import_holidays", str(path), stdout=io.StringIO())
    calendar.clear_cache()
    assert calendar.year_loaded(2027)
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2027, 2, 6))  # a Saturday, worked


def test_a_bad_row_imports_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("2027-01-01,休,元旦\n2027-13-01,休,错\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2行"):
        call_command("import_holidays", str(path), stdout=io.StringIO())
    assert not Holiday.objects.exists()


def test_the_admin_warns_until_next_year_is_loaded(client, people):
    from mashang.testing import PASSWORD

    client.login(username=people.admin.username, password=PASSWORD)
    page = client.get("/admin/deadlines/holiday/", follow=True).content.decode()
    assert "2027 年的节假日尚未录入" in page
