"""Deadline math across 国庆 2025, 春节 2026, nights, weekends and the turn into 2027."""

from datetime import date, datetime

import pytest

from mashang.deadlines import calendar
from mashang.deadlines.calendar import (
    SHANGHAI,
    add_working_days,
    add_working_minutes,
    is_workday,
    working_minutes_between,
)
from mashang.deadlines.models import Holiday

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_national_day_2025_is_off_and_its_make_up_days_are_worked():
    assert not any(is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert is_workday(date(2025, 9, 28))  # a Sunday, worked
    assert is_workday(date(2025, 10, 11))  # a Saturday, worked
    assert is_workday(date(2025, 10, 9))


def test_one_working_hour_before_national_day_ends_on_the_ninth():
    # 30 Sep 2025 17:00: half an hour left that day, then eight days off.
    assert add_working_minutes(at("2025-09-30T17:00"), 60) == at("2025-10-09T09:00")


def test_five_working_days_across_national_day_2025():
    # Received Tue 30 Sep: 9th, 10th, 11th (Sat, worked), 13th, 14th.
    assert add_working_days(at("2025-09-30T10:00"), 5) == at("2025-10-14T17:30")


def test_make_up_sunday_counts_as_a_working_day():
    assert add_working_days(at("2025-09-27T09:00"), 1) == at("2025-09-28T17:30")


def test_spring_festival_2026():
    # 15–23 Feb 2026 off; Sat 14 Feb and Sat 28 Feb worked.
    assert is_workday(date(2026, 2, 14)) and is_workday(date(2026, 2, 28))
    assert not is_workday(date(2026, 2, 17))
    assert add_working_days(at("2026-02-13T16:00"), 2) == at("2026-02-24T17:30")
    assert add_working_minutes(at("2026-02-14T17:10"), 30) == at("2026-02-24T08:40")


def test_thirty_minutes_at_night_start_next_morning():
    assert add_working_minutes(at("2026-11-26T22:00"), 30) == at("2026-11-27T09:00")


def test_the_lunch_break_does_not_count():
    assert add_working_minutes(at("2026-11-26T11:45"), 30) == at("2026-11-26T14:45")


def test_a_friday_evening_hour_ends_on_monday():
    assert add_working_minutes(at("2026-11-27T17:00"), 60) == at("2026-11-30T09:00")


def test_a_round_the_clock_desk_counts_every_minute():
    start = at("2026-11-28T23:30")  # Saturday night
    assert add_working_minutes(start, 60, round_the_clock=True) == at("2026-11-29T00:30")


def test_working_minutes_between_skips_nights_and_weekends():
    assert working_minutes_between(at("2026-11-27T17:00"), at("2026-11-30T09:00")) == 60
    assert working_minutes_between(at("2026-11-30T09:00"), at("2026-11-27T17:00")) == 0


def test_an_unloaded_year_never_raises_and_falls_back_to_weekdays():
    assert not calendar.year_loaded(2027)
    assert 2027 in calendar.unloaded_years(date(2026, 11, 26))
    assert is_workday(date(2027, 1, 1))  # a Friday: Monday–Friday until 2027 is loaded
    assert not is_workday(date(2027, 1, 2))
    # 31 Dec 2026 (Thu) + 2 working days = Mon 4 Jan 2027 without the New Year holiday.
    assert add_working_days(at("2026-12-30T10:00"), 2) == at("2027-01-01T17:30")


def test_loading_2027_changes_the_turn_of_the_year():
    Holiday.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    assert calendar.year_loaded(2027)
    assert not is_workday(date(2027, 1, 1))
    assert add_working_days(at("2026-12-30T10:00"), 2) == at("2027-01-04T17:30")


def test_a_row_overrides_the_package():
    Holiday.objects.create(date=date(2026, 12, 31), is_workday=False, name="临时放假")
    assert not is_workday(date(2026, 12, 31))


def test_every_date_in_2027_and_2028_computes():
    day = at("2027-01-01T08:00")
    for _ in range(60):
        day = add_working_days(day, 5)
    assert day.year == 2028
