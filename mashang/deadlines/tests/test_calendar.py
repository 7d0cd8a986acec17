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
from mashang.deadlines.models import CalendarYear, Holiday

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


def test_an_unloaded_year_never_raises_and_keeps_the_statutory_holidays():
    assert not calendar.year_loaded(2027)
    assert 2027 in calendar.unloaded_years(date(2026, 11, 26))
    assert not is_workday(date(2027, 1, 1))  # a Friday, but 元旦
    assert is_workday(date(2027, 1, 4))
    # Thu 31 Dec 2026 17:00 + 1 working day: Monday 4 January, not New Year's Day.
    assert add_working_days(at("2026-12-31T17:00"), 1) == at("2027-01-04T17:30")


def test_the_lunar_holidays_of_an_unloaded_year_are_days_off():
    # 2027: 除夕 Fri 5 Feb, 春节 6–8 Feb, 端午 Wed 9 June, 中秋 Wed 15 Sept.
    assert not any(is_workday(date(2027, 2, d)) for d in (5, 8))
    assert is_workday(date(2027, 2, 4)) and is_workday(date(2027, 2, 9))
    assert not is_workday(date(2027, 6, 9)) and not is_workday(date(2027, 9, 15))
    assert not is_workday(date(2027, 4, 5))  # 清明, a Monday
    assert not is_workday(date(2027, 10, 1))  # 国庆 1–3 Oct: Friday, then the weekend
    # 劳动节 1–2 May fall on a weekend: the statute's 补假 is left to the State Council's
    # schedule, so Monday counts as worked until it is loaded.
    assert is_workday(date(2027, 5, 3))


def test_the_computed_holidays_agree_with_the_published_years():
    """清明 by formula and 春节, 端午, 中秋 by the lunar calendar, against every year the
    chinesecalendar package publishes."""
    import chinese_calendar

    names = {
        "清明节": "Tomb-sweeping Day",
        "端午节": "Dragon Boat Festival",
        "中秋节": "Mid-autumn Festival",
        "元旦": "New Year's Day",
        "国庆节": "National Day",
    }
    for year in range(2008, 2027):
        days = calendar.statutory_holidays(year)
        for day, name in days.items():
            if name not in names:
                continue  # 春节 and 劳动节 had fewer days before the 2025 revision
            on_holiday, package_name = chinese_calendar.get_holiday_detail(day)
            assert on_holiday, day
            # The package leaves a weekend's name out, and 中秋 can fall within 国庆.
            if package_name and not (day.month == 10 and day.day <= 3):
                assert package_name == names[name], day
        new_year = [d for d, n in days.items() if n == "春节"][1]  # 正月初一
        assert chinese_calendar.get_holiday_detail(new_year) == (True, "Spring Festival")


def test_one_row_does_not_load_a_year_but_a_confirmation_does():
    Holiday.objects.create(date=date(2027, 2, 20), is_workday=True, name="春节调休")
    assert is_workday(date(2027, 2, 20))  # the row counts at once
    assert not calendar.year_loaded(2027)  # ...but the year is not complete
    limit = (at("2026-12-30T10:00"), at("2027-01-04T17:30"))
    assert calendar.provisional(*limit)
    assert not calendar.provisional(at("2026-11-02T10:00"), at("2026-11-09T17:30"))
    CalendarYear.objects.create(year=2027)
    assert calendar.year_loaded(2027) and not calendar.provisional(*limit)


def test_zero_working_days_from_now_is_now():
    assert add_working_days(at("2026-11-27T10:00"), 0) == at("2026-11-27T10:00")
    assert add_working_minutes(at("2026-11-28T10:00"), 0) == at("2026-11-28T10:00")


def test_a_row_overrides_the_package():
    Holiday.objects.create(date=date(2026, 12, 31), is_workday=False, name="临时放假")
    assert not is_workday(date(2026, 12, 31))


def test_every_date_in_2027_and_2028_computes():
    day = at("2027-01-01T08:00")
    for _ in range(60):
        day = add_working_days(day, 5)
    assert day.year == 2028


def test_a_limit_into_an_unloaded_year_is_shown_provisional():
    from types import SimpleNamespace

    from mashang.deadlines.templatetags.deadlines import due_badge

    def appeal(start, due):
        return SimpleNamespace(
            due_at=at(due), due_started_at=at(start), warn_at=None, due_key="dispatch"
        )

    now = at("2026-12-30T09:00")
    assert "暂定" in due_badge(appeal("2026-12-30T09:00", "2027-01-04T17:30"), now)
    assert "暂定" not in due_badge(appeal("2026-12-21T09:00", "2026-12-28T17:30"), now)
    CalendarYear.objects.create(year=2027)
    assert "暂定" not in due_badge(appeal("2026-12-30T09:00", "2027-01-04T17:30"), now)


def test_month_batches_split_days_by_calendar_month_up_to_the_end():
    from datetime import date

    from mashang.deadlines.calendar import month_batches

    batches = month_batches(date(2025, 12, 30), date(2026, 2, 2))
    assert [(min(b), max(b), len(b)) for b in batches] == [
        (date(2025, 12, 30), date(2025, 12, 31), 2),
        (date(2026, 1, 1), date(2026, 1, 31), 31),
        (date(2026, 2, 1), date(2026, 2, 1), 1),
    ]
    assert month_batches(date(2026, 2, 2), date(2026, 2, 2)) == []
