"""The appeal page offers only what the action would do: extension steps, merge targets, and
a merge asked once; the unit leader's word on an extension reaches the desk."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mashang.appeals import actions
from mashang.appeals.choices import AppealStatus as S
from mashang.appeals.choices import ExtensionStatus
from mashang.appeals.models import AppealEvent
from mashang.appeals.workflow import TransitionError, allowed_actions

EXTENSION_FORM = "申请延期</button>"
MERGE_BUTTON = "合并到此</button>"


def accepted(file, people, county, **kwargs):
    appeal = actions.dispatch_appeal(
        file(**kwargs), county.units.housing, acting_user=people.dispatcher
    )
    return actions.accept_appeal(appeal, acting_user=people.handler_a)


def duplicate_item(text: str, number: str) -> str:
    """The 可能重复 list item that starts with the link to `number`."""
    items = text.split("<h3>可能重复</h3>", 1)[1].split("</ul>", 1)[0].split("<li>")
    return next(i for i in items if i.split("</a>", 1)[0].endswith(f">{number}"))


def page(client, user, appeal) -> str:
    client.force_login(user)
    response = client.get(reverse("appeal_detail", args=[appeal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def ask(appeal, user, reason="需要协调供电公司更换线路"):
    return actions.request_extension(
        appeal, reason, timezone.now() + timedelta(days=3), acting_user=user
    )


# ---- the unit leader's comment ----------------------------------------------------------


def test_the_leaders_comment_is_kept_and_shown_to_the_desk(client, file, people, county):
    appeal = accepted(file, people, county)
    request = ask(appeal, people.handler_a)
    client.force_login(people.leader_a)
    client.post(
        reverse("appeal_action", args=[appeal.pk, "endorse_extension"]),
        {"extension": request.pk, "note": "情况属实，同意延期", "decision": "approve"},
    )
    request.refresh_from_db()
    assert request.status == ExtensionStatus.PENDING
    assert (request.endorse_note, request.endorsed_by) == ("情况属实，同意延期", people.leader_a)
    event = AppealEvent.objects.filter(appeal=appeal, kind="extension_decided").get()
    assert event.note == "单位负责人同意延期，报分拨中心审批：情况属实，同意延期"
    text = page(client, people.dispatcher, appeal)
    assert "单位负责人意见：同意，情况属实，同意延期" in text
    assert 'name="decision" value="approve"' in text  # beside the form that decides it
    client.force_login(people.dispatcher)
    desk = client.get(reverse("desk")).content.decode()
    assert "（单位负责人意见：情况属实，同意延期）" in desk  # the desk's box of requests


def test_a_leaders_refusal_keeps_the_comment_as_the_decision(file, people, county):
    appeal = accepted(file, people, county)
    request = actions.endorse_extension(
        ask(appeal, people.handler_a), False, note="理由不充分", acting_user=people.leader_a
    )
    assert request.status == ExtensionStatus.REFUSED
    assert request.decision_note == request.endorse_note == "理由不充分"


# ---- one extension ----------------------------------------------------------------------


def test_no_extension_is_offered_or_asked_once_one_was_granted(client, file, people, county):
    appeal = accepted(file, people, county)
    actions.decide_extension(ask(appeal, people.leader_a), True, acting_user=people.dispatcher)
    appeal.refresh_from_db()
    assert "request_extension" not in allowed_actions(appeal, people.handler_a)
    assert EXTENSION_FORM not in page(client, people.handler_a, appeal)
    client.post(
        reverse("appeal_action", args=[appeal.pk, "request_extension"]),
        {"reason": "还需要时间", "new_due": "2099-01-01T10:00"},
    )
    assert appeal.extensions.count() == 1
    with pytest.raises(TransitionError, match="只能延期一次"):
        ask(appeal, people.handler_a)


def test_no_extension_is_offered_while_one_waits_for_the_leader(client, file, people, county):
    appeal = accepted(file, people, county)
    ask(appeal, people.handler_a)
    text = page(client, people.leader_a, appeal)
    assert EXTENSION_FORM not in text and 'value="approve">同意' in text
    assert EXTENSION_FORM not in page(client, people.handler_a, appeal)
    with pytest.raises(TransitionError, match="正在审批"):
        ask(appeal, people.leader_a)


def test_no_extension_is_offered_while_one_waits_for_the_desk(client, file, people, county):
    appeal = accepted(file, people, county)
    ask(appeal, people.leader_a)
    assert EXTENSION_FORM not in page(client, people.handler_a, appeal)
    with pytest.raises(TransitionError, match="正在审批"):
        ask(appeal, people.handler_a)


def test_an_extension_is_offered_again_after_a_refusal(client, file, people, county):
    appeal = accepted(file, people, county)
    assert EXTENSION_FORM in page(client, people.handler_a, appeal)
    actions.decide_extension(ask(appeal, people.leader_a), False, acting_user=people.dispatcher)
    assert EXTENSION_FORM in page(client, people.handler_a, appeal)


# ---- merge ------------------------------------------------------------------------------


def merged_pair(file, people):
    """000001 and 000002 from one phone, 000002 merged into 000001; a third from it too."""
    original = file()
    repeat = file(content="村道的路灯坏了好几个月，晚上很危险，请修。")
    actions.merge_appeal(repeat, original, acting_user=people.dispatcher)
    third = file(content="又一次反映：村道路灯不亮，请尽快修复。")
    repeat.refresh_from_db()
    return original, repeat, third


def test_a_merged_repeat_is_listed_with_its_original_but_offers_no_merge(client, file, people):
    original, repeat, third = merged_pair(file, people)
    text = page(client, people.dispatcher, third)
    item = duplicate_item(text, repeat.number)
    assert "已合并至 <a" in item and original.number in item
    assert MERGE_BUTTON not in item
    assert MERGE_BUTTON in duplicate_item(
        text, original.number
    )  # the first of the matter is still offered


def test_an_invalid_repeat_offers_no_merge(client, file, people):
    dud = actions.invalidate_appeal(file(), "不属于诉求范围", acting_user=people.dispatcher)
    text = page(client, people.dispatcher, file(content="村道的路灯坏了好几个月，请修。"))
    item = duplicate_item(text, dud.number)
    assert "无效" in item and MERGE_BUTTON not in item


def test_merging_asks_once_then_merges(client, file, people):
    original, repeat = file(), file(content="村道的路灯坏了好几个月，晚上很危险，请修。")
    client.force_login(people.dispatcher)
    url = reverse("appeal_action", args=[repeat.pk, "merge"])
    response = client.post(url, {"original": original.number})
    assert response.status_code == 200
    text = response.content.decode()
    assert "确认合并" in text and 'name="confirm" value="1"' in text and original.number in text
    assert "onclick" not in text  # the strict CSP: no inline handlers
    repeat.refresh_from_db()
    assert repeat.status == S.PENDING_DISPATCH  # nothing written yet
    response = client.post(url, {"original": original.number, "confirm": "1"})
    assert response.status_code == 302
    repeat.refresh_from_db()
    assert repeat.status == S.MERGED and repeat.merged_into == original


def test_the_confirm_step_refuses_a_merged_original_at_once(client, file, people):
    original, repeat, third = merged_pair(file, people)
    client.force_login(people.dispatcher)
    response = client.post(
        reverse("appeal_action", args=[third.pk, "merge"]), {"original": repeat.number}, follow=True
    )
    assert "原诉求已合并或无效" in response.content.decode()
    assert "确认合并</button>" not in response.content.decode()


def test_the_confirm_step_is_refused_to_a_unit(client, file, people, county):
    original, repeat = accepted(file, people, county), file()
    client.force_login(people.handler_a)
    response = client.post(
        reverse("appeal_action", args=[original.pk, "merge"]), {"original": repeat.number}
    )
    assert response.status_code == 302
