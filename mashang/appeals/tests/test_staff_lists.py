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


def test_repeats_compare_texts_and_read_whole_rows_only_for_the_matches(file, codes):
    """The appeal page's possible repeats: the same phone, or a similar text in the township.
    The 200 recent texts are read without the rows' encrypted fields (bench/load.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mashang.appeals.queries import duplicate_candidates

    same_phone = file(codes.township, phone="13900000001", content="垃圾站很久没有清运，气味很大。")
    similar = file(codes.township, phone="13900000002")
    file(codes.township, phone="13900000003", content="村里的自来水停了两天，请帮忙联系。")
    appeal = file(
        codes.township, phone="13900000001", content="村道上的路灯坏了三个月，晚上很危险。"
    )
    with CaptureQueriesContext(connection) as ctx:
        found = duplicate_candidates(appeal)
    assert [(other.pk, reason[:5]) for other, reason in found] == [
        (same_phone.pk, "同一手机号"),
        (similar.pk, "同乡镇内容"),
    ]
    assert found[1][0].reporter_phone == "13900000002"  # the match is a whole row
    texts = [q["sql"] for q in ctx.captured_queries if "LIMIT 200" in q["sql"]]
    assert len(texts) == 1 and "reporter_phone" not in texts[0]
    assert duplicate_candidates(appeal, limit=1) == found[:1]
