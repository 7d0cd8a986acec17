"""Unbounded numbers and dates in staff pages' filters are refused cleanly (issue 11, item 6).

Each case was an OverflowError (a 500) before the shared filter forms."""

import pytest
from django.urls import reverse

from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures

BAD = [
    {"waiting": "99999999999"},
    {"waiting": "-1"},
    {"from": "0001-01-01"},
    {"to": "9999-12-31"},
    {"from": "2026-13-45"},
    {"unit": "99999999999999999999999"},
    {"township": "9" * 40},
    {"page": "99999999999999999999"},
    {"month": "0001-01"},
    {"month": "9999-12"},
]

PAGES = [
    ("desk", "dispatcher", {}),
    ("workbench", "handler_a", {}),
    ("callbacks", "supervisor", {}),
    ("discipline_queue", "discipline", {}),
    ("leader_view", "county_leader", {}),
    ("stats_overview", "county_leader", {}),
    ("stats_overview", "county_leader", {"screen": "1"}),
    ("stats_units", "supervisor", {}),
    ("stats_my_unit", "handler_a", {}),
    ("stats_appeals", "supervisor", {}),
    ("stats_appeals", "supervisor", {"metric": "received"}),
    ("stats_export", "supervisor", {"metric": "received"}),
    ("stats_report", "county_leader", {"format": "xlsx"}),
    ("efficiency", "supervisor", {}),
]


@pytest.mark.parametrize(("name", "who", "extra"), PAGES)
def test_out_of_range_filters_never_break_a_staff_page(client, people, file, name, who, extra):  # noqa: F811
    file()
    client.force_login(getattr(people, who))
    for params in BAD:
        response = client.get(reverse(name), {**params, **extra})
        # The report is a download of one month: a month it cannot have is "not found".
        expected = 404 if name == "stats_report" and "month" in params else 200
        assert response.status_code == expected, (name, params)


def test_a_refused_filter_is_named_on_the_page(client, people):
    client.force_login(people.dispatcher)
    page = client.get(reverse("desk"), {"waiting": "99999999999"}).content.decode()
    assert "等待超过" in page and "已忽略" in page


def test_a_unit_page_with_a_huge_id_is_not_found(client, people):
    client.force_login(people.supervisor)
    response = client.get("/staff/stats/units/99999999999999999999999/")
    assert response.status_code == 404
