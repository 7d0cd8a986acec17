"""Lists and messages show the year for any date outside the current year."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from mashang.appeals.models import Appeal
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.core.dates import short_when

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SH)


def test_this_years_dates_are_short_and_others_carry_the_year():
    assert short_when(datetime(2026, 3, 5, 9, 30, tzinfo=SH), now=NOW) == "03-05 09:30"
    assert short_when(datetime(2027, 1, 5, 9, 30, tzinfo=SH), now=NOW) == "2027-01-05 09:30"
    assert short_when(datetime(2025, 12, 31, 23, 0, tzinfo=SH), now=NOW) == "2025-12-31 23:00"
    assert short_when(date(2027, 1, 5), chinese=True, now=NOW) == "2027年1月5日"
    assert short_when(datetime(2026, 1, 5, 8, 0, tzinfo=SH), chinese=True, now=NOW) == "1月5日08:00"
    # UTC input is shown in Shanghai time (and its year): 2026-12-31 17:00Z is 2027 locally.
    utc = datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert short_when(utc, now=NOW) == "2027-01-01 01:00"


def test_the_desk_list_shows_the_year_of_an_old_appeal(client, file, people):  # noqa: F811
    old = file()
    Appeal.objects.filter(pk=old.pk).update(received_at=datetime(2024, 5, 6, 7, 8, tzinfo=SH))
    client.force_login(people.dispatcher)
    page = client.get(reverse("desk")).content.decode()
    assert "2024-05-06 07:08" in page
