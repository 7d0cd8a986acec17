"""Every pillar's figures are one statistics section: stats --json, the overview's links and
the pages all read the same period, and no date on any figures page can overflow."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from mashang.stats.sections import SECTIONS
from mashang.testing import PASSWORD

PILLARS = {"benefits", "applications", "hall"}


def test_each_pillar_registers_its_figures():
    assert PILLARS <= set(SECTIONS)


def test_stats_json_carries_every_section(db):
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert PILLARS <= set(data) and "catalog" in data


def test_every_section_counts_the_default_period_unless_today_is_asked_for(db, monkeypatch):
    seen = []

    def spy(section):
        def figures(since=None, until=None):
            seen.append((section.key, since, until))
            return {}

        return figures

    from mashang.stats import metrics

    for key, section in list(SECTIONS.items()):
        monkeypatch.setitem(
            SECTIONS, key, section.__class__(**{**vars(section), "figures": spy(section)})
        )
    call_command("stats", "--json", stdout=io.StringIO())
    assert {key for key, _s, _u in seen} == set(SECTIONS)
    assert all(until == metrics.default_until() and since is None for _k, since, until in seen)


@pytest.mark.parametrize("key", sorted(PILLARS))
def test_a_county_leader_opens_each_section_from_the_overview(client, people, key):
    client.login(username=people.county_leader.username, password=PASSWORD)
    url = reverse(SECTIONS[key].url_name)
    assert url in client.get(reverse("stats_overview")).content.decode()
    for bad in ("0001-01-01", "99999-12-31", "2026-13-01"):
        assert client.get(url, {"from": bad, "to": bad}).status_code == 200
