"""The hall's figures: from segments, per zone, window and clerk; page, export, command."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from mashang.hall import actions, metrics
from mashang.testing import PASSWORD

from .conftest import at

MONDAY = at(2026, 11, 23, 9, 0)


@pytest.fixture
def served(hall, people):
    """Three tickets waiting 10, 20 and 30 minutes, served 5, 6 and 7; a fourth no-show."""
    clerk = people.window_clerk
    actions.sign_on(hall.w5, clerk=clerk)
    for i in range(3):
        t = actions.take_ticket(hall.a, now=MONDAY)
        called = MONDAY + timedelta(minutes=10 * (i + 1))
        actions.call_next(clerk=clerk, now=called)
        actions.act(t, "start", clerk=clerk, now=called)
        actions.act(t, "finish", clerk=clerk, now=called + timedelta(minutes=5 + i))
    late = actions.take_ticket(hall.b, now=MONDAY)
    actions.call_next(clerk=clerk, now=MONDAY + timedelta(minutes=50))
    actions.act(late, "no_show", clerk=clerk, now=MONDAY + timedelta(minutes=52))
    return hall


def test_percentiles_are_nearest_rank():
    assert metrics.percentile([10, 20, 30], 50) == 20
    assert metrics.percentile([10, 20, 30], 90) == 30
    assert metrics.percentile([], 50) is None


def test_figures_come_from_the_segments(served):
    data = metrics.figures()
    h = data["headline"]
    assert (h["tickets"], h["served"], h["no_shows"]) == (4, 3, 1)
    assert (h["wait_p50"], h["wait_p90"]) == (20.0, 50.0)
    assert (h["serve_p50"], h["serve_p90"]) == (6.0, 7.0)
    zones = {z["key"]: z for z in data["zones"]}
    assert zones["A 综合受理区"]["wait_p90"] == 30.0 and zones["B 社保医保区"]["no_shows"] == 1
    assert [w["key"] for w in data["windows"]] == ["5号窗口"]
    assert data["clerks"][0]["tickets"] == 4
    assert data["days"][0]["key"] == "2026-11-23"


def test_a_period_counts_only_tickets_taken_in_it(served):
    from mashang.stats.metrics import local_midnight

    assert metrics.figures(local_midnight("2026-11-24"), None)["headline"]["tickets"] == 0


def test_the_page_export_and_command_agree(client, served, people):
    client.login(username="t_hall_manager", password=PASSWORD)
    assert "等候时间中位数" in client.get("/staff/hall/figures/").content.decode()
    wb = load_workbook(io.BytesIO(client.get("/staff/hall/figures.xlsx").content))
    assert wb["总览"]["A2"].value == "取号数" and wb["总览"]["B2"].value == 4
    out = io.StringIO()
    call_command("hall_stats", "--json", stdout=out)
    assert json.loads(out.getvalue())["headline"]["served"] == 3


def test_the_wall_shows_today(client, hall, people):
    hall.hall.hours.all().delete()  # always open
    actions.take_ticket(hall.a)
    client.login(username="t_county_leader", password=PASSWORD)
    assert 'id="tickets">1<' in client.get("/staff/hall/wall/").content.decode()
