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
    assert not calendar.year_loaded(2027)  # two rows are not the whole year
    call_command("import_holidays", str(path), complete=True, stdout=io.StringIO())
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
    assert "2027 年的国务院节假日安排尚未录入" in page


def test_the_admin_home_and_the_desk_warn_too(client, people):
    from mashang.testing import PASSWORD

    client.login(username=people.admin.username, password=PASSWORD)
    assert 'id="calendar-warning"' in client.get("/admin/").content.decode()
    client.logout()
    client.login(username=people.dispatcher.username, password=PASSWORD)
    from django.urls import reverse

    missing = calendar.unloaded_years()  # next year at least: the package publishes late
    desk = client.get(reverse("desk")).content.decode()
    assert 'id="calendar-warning"' in desk and str(missing[-1]) in desk
    from mashang.deadlines.models import CalendarYear

    for year in missing:
        CalendarYear.objects.create(year=year)
    assert 'id="calendar-warning"' not in client.get(reverse("desk")).content.decode()
