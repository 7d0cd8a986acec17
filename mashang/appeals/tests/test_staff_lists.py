"""Staff lists offer only filters that can match for the person, at a readable size."""

import re

import pytest
from django.urls import reverse

ACCUSATION_STATUS_LABELS = ("待纪委受理", "纪委处置中", "纪委办结")


def options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S)
    return re.findall(r">([^<]+)</option>", select.group(1)) if select else []


@pytest.mark.parametrize(
    "who,url",
    [
        ("dispatcher", "desk"),
        ("admin", "desk"),
        ("handler_a", "workbench"),
        ("supervisor", "callbacks"),
        ("county_leader", "leader_view"),
    ],
)
def test_roles_that_never_see_accusations_are_not_offered_them(client, people, who, url):
    client.force_login(getattr(people, who))
    page = client.get(reverse(url)).content.decode()
    statuses, types = options(page, "status"), options(page, "type")
    assert "待分拨" in statuses and "咨询" in types
    assert not set(ACCUSATION_STATUS_LABELS) & set(statuses)
    assert "检举控告" not in types


def test_the_commission_is_offered_only_accusation_statuses(client, people):
    client.force_login(people.discipline)
    page = client.get(reverse("discipline_queue")).content.decode()
    assert set(options(page, "status")) - {"按页签"} == set(ACCUSATION_STATUS_LABELS)
    assert options(page, "type") == []


def test_a_filter_the_person_never_sees_matches_nothing_not_everything(client, people, file):
    appeal = file()
    client.force_login(people.dispatcher)
    assert appeal.number in client.get(reverse("desk")).content.decode()
    for query in ({"status": "accusation_new"}, {"type": "accusation"}):
        page = client.get(reverse("desk"), query).content.decode()
        assert appeal.number not in page and "没有诉求" in page, query
