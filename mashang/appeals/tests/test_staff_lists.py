"""Staff lists offer only filters that can match for the person, at a readable size."""

import re

import pytest
from django.urls import reverse

ACCUSATION_STATUS_LABELS = ("待纪委受理", "纪委处置中", "纪委办结")


def options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S)
    return re.findall(r">([^<]+)</option>", select.group(1)) if select else []


@pytest.mark.parametrize(
    "who,url,query",
    [
        ("dispatcher", "desk", {}),
        ("admin", "desk", {}),
        ("handler_a", "workbench", {"tab": "all"}),
        ("supervisor", "callbacks", {"tab": "review"}),
        ("county_leader", "leader_view", {}),
    ],
)
def test_roles_that_never_see_accusations_are_not_offered_them(client, people, who, url, query):
    client.force_login(getattr(people, who))
    page = client.get(reverse(url), query).content.decode()
    statuses, types = options(page, "status"), options(page, "type")
    assert "已办结" in statuses and "咨询" in types
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


def test_repeats_compare_texts_and_read_only_what_the_page_lists_of_the_matches(file, codes):
    """The appeal page's possible repeats: the same phone, or a similar text in the township.
    The 200 recent texts are read without the rows' encrypted fields (bench/load.py), the
    matches with their number and status (what the page lists); the rest on access."""
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
    texts = [q["sql"] for q in ctx.captured_queries if "LIMIT 200" in q["sql"]]
    assert len(texts) == 1 and "reporter_phone" not in texts[0]
    assert not any("reporter_phone" in q["sql"] for q in ctx.captured_queries)
    assert [(o.number, o.status) for o, _ in found] == [
        (same_phone.number, same_phone.status),
        (similar.number, similar.status),
    ]
    assert found[1][0].reporter_phone == "13900000002"  # the rest of a match, on access
    assert duplicate_candidates(appeal, limit=1) == found[:1]


def row_of(page: str, number: str) -> list[str]:
    row = re.search(rf"<tr><td><a href=\"[^\"]+\">{number}</a>.*?</tr>", page, re.S).group(0)
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]


def test_a_list_row_shows_each_column_of_its_appeal(client, people, county, codes, file):
    from mashang.appeals import actions
    from mashang.qrcodes.choices import QRKind

    waiting = file(codes.township)
    handled = file(codes.bureau, phone="13800138001")
    actions.dispatch_appeal(handled, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(handled, acting_user=people.handler_a)
    actions.ask_citizen(handled, "请补充具体的门牌号。", acting_user=people.handler_a)
    client.force_login(people.dispatcher)
    page = client.get(reverse("desk")).content.decode()
    assert f'<a href="{reverse("appeal_detail", args=[waiting.pk])}">' in page
    number, _when, kind_type, qr, town, place, status, lead, due = row_of(page, waiting.number)
    assert (kind_type, qr, town, place) == ("投诉", QRKind.TOWNSHIP.label, "茶市镇", "老屋场党小组")
    assert (status, lead) == ("待分拨", "—") and "剩" in due
    page = client.get(reverse("desk"), {"status": "accepted"}).content.decode()
    cells = row_of(page, handled.number)
    assert cells[6] == "办理中 · 待群众回复" and cells[7] == county.units.housing.name


def test_list_rows_never_load_the_reporters_encrypted_fields(client, people, file):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    file()
    client.force_login(people.dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("desk")).status_code == 200
    listed = [q["sql"] for q in ctx.captured_queries if '"appeals_appeal"."number"' in q["sql"]]
    assert listed and not any("reporter_" in sql or '"content"' in sql for sql in listed)


def test_the_desk_and_the_leaders_workbench_show_extension_requests_to_decide(
    client, people, county, file
):
    from datetime import timedelta

    from django.utils import timezone

    from mashang.appeals import actions

    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(appeal, acting_user=people.handler_a)
    due = timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    request = actions.request_extension(
        appeal, "需要协调供电公司", due, acting_user=people.handler_a
    )
    box = f"{appeal.number}</a> {county.units.housing.name}：延至 {due:%Y-%m-%d %H:%M}，需要协调供电公司"
    client.force_login(people.leader_a)
    assert box in client.get(reverse("workbench")).content.decode()
    actions.endorse_extension(request, True, acting_user=people.leader_a)
    client.force_login(people.dispatcher)
    assert box in client.get(reverse("desk")).content.decode()


def test_repeats_by_text_are_those_whose_full_ratio_reaches_one_half(file, codes):
    """The quick upper bounds only skip texts that could not reach 50 %: the same matches,
    with the same figures, as comparing every text in full."""
    from difflib import SequenceMatcher

    from mashang.appeals.queries import duplicate_candidates

    texts = [
        "村道上的路灯坏了三个月，晚上很危险，请尽快修复。",
        "村道上的路灯坏了，晚上很危险。",
        "路灯坏了三个月了，晚上不安全。",
        "垃圾站很久没有清运，气味很大，请尽快处理。",
        "村里的自来水停了两天，请帮忙联系供水公司。",
        "请问社保卡在哪里补办，需要带什么材料？",
    ]
    for i, text in enumerate(texts):
        file(codes.township, phone=f"1390000100{i}", content=text)
    appeal = file(codes.township, phone="13900002000", content=texts[0])
    found = duplicate_candidates(appeal, limit=10)
    expected = {
        text: SequenceMatcher(None, appeal.content, text).ratio()
        for text in texts
        if SequenceMatcher(None, appeal.content, text).ratio() >= 0.5
    }
    assert 1 < len(expected) < len(texts)
    assert {other.content: reason for other, reason in found} == {
        text: f"同乡镇内容相似 {ratio:.0%}" for text, ratio in expected.items()
    }


def test_the_dispatch_form_offers_every_active_unit_with_the_suggestion_chosen(
    client, people, county, codes, file
):
    from mashang.appeals.queries import DISPATCH_KINDS
    from mashang.directory.models import Unit

    county.units.town_b.is_active = False
    county.units.town_b.save()
    appeal = file(codes.bureau)
    client.force_login(people.dispatcher)
    page = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
    active = Unit.objects.filter(kind__in=DISPATCH_KINDS, is_active=True).order_by(
        "sort_order", "id"
    )
    lead = re.search(r'<select name="lead_unit" id="lead_unit">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"', lead) == [str(u.pk) for u in active]
    assert re.findall(r'<option value="(\d+)" selected>', lead) == [str(county.units.housing.pk)]
    boxes = re.findall(r'name="co_units" value="(\d+)"> ([^<]+)</label>', page)
    assert boxes == [(str(u.pk), u.name) for u in active]
    assert str(county.units.town_b.pk) not in dict(boxes)
