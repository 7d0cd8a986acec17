"""An empty or inverted period is refused with a Chinese message on every figures page that
reads it through `request_period` (appeals overview, applications, hall, benefits), never
silent zeros; a start alone runs to the default end (截至昨日24时)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from mashang.deadlines.calendar import SHANGHAI
from mashang.stats.forms import EMPTY_PERIOD, START_AFTER_DEFAULT
from mashang.stats.metrics import default_until
from mashang.testing import PASSWORD

PAGES = ["stats_overview", "application_figures", "hall_figures", "benefits_stats"]


@pytest.fixture
def leader(client, people):
    assert client.login(username="t_county_leader", password=PASSWORD)
    return client


def _yesterday():
    return (default_until().astimezone(SHANGHAI) - timedelta(days=1)).date()


def _page(client, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_an_inverted_period_is_told_not_counted_as_zeros(leader, name):
    page = _page(leader, name, {"from": "2026-03-10", "to": "2026-03-01"})
    assert EMPTY_PERIOD in page
    assert "2026年03月10日至" not in page  # the empty period is not shown as if it were counted
    assert f"至{_yesterday():%Y年%m月%d日}" in page  # the default period is counted instead


@pytest.mark.parametrize("name", PAGES)
def test_a_start_alone_after_the_default_end_is_told(leader, name):
    today = default_until().astimezone(SHANGHAI).date()
    page = _page(leader, name, {"from": f"{today:%Y-%m-%d}"})
    assert START_AFTER_DEFAULT in page
    assert f"{today:%Y年%m月%d日}至" not in page


@pytest.mark.parametrize("name", PAGES)
def test_a_start_alone_runs_to_yesterday_and_a_good_period_is_quiet(leader, name):
    page = _page(leader, name, {"from": "2026-01-05"})
    assert f"2026年01月05日至{_yesterday():%Y年%m月%d日}" in page
    assert EMPTY_PERIOD not in page and START_AFTER_DEFAULT not in page
    page = _page(leader, name, {"from": "2026-03-01", "to": "2026-03-10"})
    assert "2026年03月01日至2026年03月09日" in page and EMPTY_PERIOD not in page


def test_nothing_given_keeps_the_default(leader):
    page = _page(leader, "hall_figures", {})
    assert f"平台启用至{_yesterday():%Y年%m月%d日}" in page
    assert EMPTY_PERIOD not in page and START_AFTER_DEFAULT not in page


def test_the_period_says_default_end_only_when_no_end_was_given(client, people):
    """「默认截至昨日24时」 describes a period without an end date; with one, it would mislead."""
    from django.urls import reverse

    from mashang.stats.tests.test_pages import login

    login(client, people.county_leader)
    for name in ("stats_overview", "efficiency"):
        plain = client.get(reverse(name)).content.decode()
        ended = client.get(reverse(name), {"from": "2026-11-01", "to": "2026-11-28"})
        assert "默认截至昨日24时" in plain, name
        assert "默认截至昨日24时" not in ended.content.decode(), name
