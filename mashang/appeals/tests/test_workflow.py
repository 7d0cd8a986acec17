"""Every transition: its allowed case and each forbidden case (status, role, unit)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from mashang.appeals import actions
from mashang.appeals.choices import AppealStatus as S
from mashang.appeals.choices import ExtensionStatus, Rating
from mashang.appeals.models import AppealEvent, Assignment
from mashang.appeals.workflow import TRANSITIONS, TransitionError
from mashang.notifications.models import Message


def sms_templates(appeal):
    return list(
        Message.objects.filter(appeal=appeal, channel="sms").values_list("template", flat=True)
    )


def dispatched(file, people, county):
    appeal = file()
    return actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)


def accepted(file, people, county):
    return actions.accept_appeal(dispatched(file, people, county), acting_user=people.handler_a)


def completed(file, people, county):
    return actions.reply_appeal(
        accepted(file, people, county), "路灯已更换，恢复照明。", acting_user=people.handler_a
    )


# ---- dispatch ---------------------------------------------------------------------------


def test_dispatch_sends_to_lead_and_co_units_and_records_everything(file, people, county):
    appeal = file()
    actions.dispatch_appeal(
        appeal,
        county.units.housing,
        co_units=[county.units.water],
        acting_user=people.dispatcher,
        note="涉及排水",
    )
    appeal.refresh_from_db()
    assert appeal.status == S.DISPATCHED and appeal.lead_unit == county.units.housing
    assert appeal.dispatched_at is not None and not appeal.designated
    roles = set(
        Assignment.objects.filter(appeal=appeal, active=True).values_list("unit__name", "role")
    )
    assert roles == {("县住房和城乡建设局", "lead"), ("县水利局", "co")}
    event = AppealEvent.objects.get(appeal=appeal, kind="dispatch")
    assert (event.actor, event.old_status, event.new_status) == (
        people.dispatcher,
        S.PENDING_DISPATCH,
        S.DISPATCHED,
    )
    assert event.is_public and "县住房和城乡建设局" in event.public_text
    assert Message.objects.filter(
        appeal=appeal, channel="inapp", to_unit=county.units.housing
    ).exists()


@pytest.mark.parametrize(
    "who", ["handler_a", "leader_a", "supervisor", "county_leader", "discipline"]
)
def test_only_the_desk_dispatches(file, people, county, who):
    appeal = file()
    with pytest.raises(TransitionError):
        actions.dispatch_appeal(appeal, county.units.housing, acting_user=getattr(people, who))
    appeal.refresh_from_db()
    assert (
        appeal.status == S.PENDING_DISPATCH
        and not AppealEvent.objects.filter(appeal=appeal, kind="dispatch").exists()
    )


def test_dispatching_twice_is_refused(file, people, county):
    appeal = dispatched(file, people, county)
    with pytest.raises(TransitionError, match="已派单"):
        actions.dispatch_appeal(appeal, county.units.water, acting_user=people.dispatcher)


def test_the_dispatch_desk_itself_is_not_a_handling_unit(file, people, county):
    with pytest.raises(TransitionError, match="承办单位"):
        actions.dispatch_appeal(file(), county.units.dispatch, acting_user=people.dispatcher)


# ---- accept -----------------------------------------------------------------------------


def test_the_lead_unit_accepts_and_the_citizen_is_told(file, people, county):
    appeal = accepted(file, people, county)
    assert appeal.status == S.ACCEPTED and appeal.accepted_at is not None
    sms = Message.objects.get(appeal=appeal, template="appeal_accepted")
    assert "县住房和城乡建设局" in sms.body and appeal.number in sms.body


def test_another_unit_cannot_accept(file, people, county):
    appeal = dispatched(file, people, county)
    with pytest.raises(TransitionError):
        actions.accept_appeal(appeal, acting_user=people.handler_b)


def test_a_co_handling_unit_sees_but_cannot_accept(file, people, county):
    appeal = actions.dispatch_appeal(
        file(), county.units.housing, co_units=[county.units.water], acting_user=people.dispatcher
    )
    with pytest.raises(TransitionError, match="主办单位"):
        actions.accept_appeal(appeal, acting_user=people.handler_b)


def test_accepting_twice_is_refused(file, people, county):
    appeal = accepted(file, people, county)
    with pytest.raises(TransitionError, match="办理中"):
        actions.accept_appeal(appeal, acting_user=people.handler_a)


def test_the_desk_cannot_accept_for_a_unit(file, people, county):
    with pytest.raises(TransitionError):
        actions.accept_appeal(dispatched(file, people, county), acting_user=people.dispatcher)


# ---- return -----------------------------------------------------------------------------


def test_a_unit_returns_with_a_reason_and_the_desk_designates(file, people, county):
    appeal = accepted(file, people, county)
    actions.return_appeal(appeal, "不属于本单位职责，应由水利局办理", acting_user=people.handler_a)
    appeal.refresh_from_db()
    assert appeal.status == S.PENDING_DISPATCH and appeal.lead_unit is None
    assert appeal.return_count == 1
    assert not Assignment.objects.filter(appeal=appeal, active=True).exists()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    appeal.refresh_from_db()
    assert appeal.designated
    with pytest.raises(TransitionError, match="指定承办"):
        actions.return_appeal(appeal, "还是不归我们管", acting_user=people.handler_a)


def test_a_return_needs_a_reason(file, people, county):
    with pytest.raises(TransitionError, match="退回理由"):
        actions.return_appeal(dispatched(file, people, county), "", acting_user=people.handler_a)


def test_another_unit_cannot_return(file, people, county):
    with pytest.raises(TransitionError):
        actions.return_appeal(
            dispatched(file, people, county), "不归我们", acting_user=people.handler_b
        )


def test_a_completed_appeal_cannot_be_returned(file, people, county):
    with pytest.raises(TransitionError, match="已办结"):
        actions.return_appeal(
            completed(file, people, county), "不归我们", acting_user=people.handler_a
        )


# ---- extension --------------------------------------------------------------------------


def test_a_handlers_extension_goes_through_the_leader_then_the_desk(file, people, county):
    appeal = accepted(file, people, county)
    due = timezone.now() + timedelta(days=5)
    request = actions.request_extension(
        appeal, "需要协调供电公司更换线路", due, acting_user=people.handler_a
    )
    assert request.status == ExtensionStatus.LEADER
    with pytest.raises(TransitionError):
        actions.decide_extension(request, True, acting_user=people.dispatcher)
    with pytest.raises(TransitionError):
        actions.endorse_extension(request, True, acting_user=people.handler_a)
    actions.endorse_extension(request, True, acting_user=people.leader_a)
    request.refresh_from_db()
    assert request.status == ExtensionStatus.PENDING
    actions.decide_extension(request, True, acting_user=people.dispatcher, note="同意")
    appeal.refresh_from_db()
    assert appeal.extended_until == due
    assert "appeal_extended" in sms_templates(appeal)
    assert AppealEvent.objects.filter(
        appeal=appeal, kind="extension_decided", is_public=True
    ).exists()


def test_a_leaders_own_request_goes_straight_to_the_desk(file, people, county):
    appeal = accepted(file, people, county)
    request = actions.request_extension(
        appeal, "需要协调多部门", timezone.now() + timedelta(days=3), acting_user=people.leader_a
    )
    assert request.status == ExtensionStatus.PENDING


def test_only_one_extension_of_at_most_five_working_days(file, people, county):
    appeal = accepted(file, people, county)
    with pytest.raises(TransitionError, match="5个工作日"):
        actions.request_extension(
            appeal, "时间不够", timezone.now() + timedelta(days=20), acting_user=people.leader_a
        )
    with pytest.raises(TransitionError, match="晚于现在"):
        actions.request_extension(
            appeal, "时间不够", timezone.now() - timedelta(days=1), acting_user=people.leader_a
        )
    request = actions.request_extension(
        appeal, "时间不够", timezone.now() + timedelta(days=3), acting_user=people.leader_a
    )
    actions.decide_extension(request, True, acting_user=people.dispatcher)
    with pytest.raises(TransitionError, match="只能延期一次"):
        actions.request_extension(
            appeal, "还要延", timezone.now() + timedelta(days=3), acting_user=people.leader_a
        )


def test_a_refused_extension_tells_nobody_and_can_be_asked_again(file, people, county):
    appeal = accepted(file, people, county)
    request = actions.request_extension(
        appeal, "时间不够", timezone.now() + timedelta(days=3), acting_user=people.leader_a
    )
    actions.decide_extension(request, False, acting_user=people.dispatcher, note="理由不充分")
    appeal.refresh_from_db()
    assert appeal.extended_until is None and "appeal_extended" not in sms_templates(appeal)
    with pytest.raises(TransitionError, match="已经审批"):
        actions.decide_extension(request, True, acting_user=people.dispatcher)
    actions.request_extension(
        appeal, "补充理由后再申请", timezone.now() + timedelta(days=3), acting_user=people.leader_a
    )


def test_an_extension_before_acceptance_is_refused(file, people, county):
    with pytest.raises(TransitionError, match="已派单"):
        actions.request_extension(
            dispatched(file, people, county),
            "时间不够",
            timezone.now() + timedelta(days=2),
            acting_user=people.leader_a,
        )


# ---- ask / reply --------------------------------------------------------------------------


def test_asking_the_citizen_shows_on_the_timeline_and_sends_an_sms(file, people, county):
    appeal = actions.ask_citizen(
        accepted(file, people, county), "请提供路灯的具体位置", acting_user=people.handler_a
    )
    assert appeal.waiting_citizen
    assert AppealEvent.objects.filter(
        appeal=appeal, kind="ask_citizen", is_public=True, public_text__contains="具体位置"
    ).exists()
    assert "appeal_question" in sms_templates(appeal)
    actions.citizen_add_info(appeal, "在村委会东边第二根电线杆")
    appeal.refresh_from_db()
    assert not appeal.waiting_citizen
    assert Message.objects.filter(
        appeal=appeal, template="unit_citizen_info", to_unit=county.units.housing
    ).exists()


def test_the_reply_goes_to_the_citizen_at_once_with_a_rating_link(file, people, county):
    appeal = completed(file, people, county)
    assert appeal.status == S.COMPLETED and appeal.completed_at and appeal.rating_token
    sms = Message.objects.get(appeal=appeal, template="appeal_replied")
    from mashang.core.crypto import secret_digest

    token = re.search(r"/r/([\w-]+)", sms.body).group(1)
    assert secret_digest(token) == appeal.rating_token and token not in appeal.rating_token
    assert "link" not in sms.params


def test_a_reply_needs_a_result_and_the_lead_unit(file, people, county):
    appeal = accepted(file, people, county)
    with pytest.raises(TransitionError, match="办理结果"):
        actions.reply_appeal(appeal, "", acting_user=people.handler_a)
    with pytest.raises(TransitionError):
        actions.reply_appeal(appeal, "已处理完毕。", acting_user=people.handler_b)
    with pytest.raises(TransitionError):
        actions.reply_appeal(
            dispatched(file, people, county), "已处理完毕。", acting_user=people.handler_a
        )


# ---- callback / rehandle -------------------------------------------------------------------


def test_a_satisfied_callback_closes_the_appeal(file, people, county):
    appeal = actions.record_callback(
        completed(file, people, county), Rating.SATISFIED, True, acting_user=people.supervisor
    )
    assert appeal.status == S.CLOSED and appeal.closed_at and appeal.rating == "4"
    assert appeal.bad_rating_at is None


def test_an_unsatisfied_callback_reopens_to_the_same_unit(file, people, county):
    appeal = actions.record_callback(
        completed(file, people, county),
        Rating.DISSATISFIED,
        False,
        rehandle=True,
        acting_user=people.supervisor,
    )
    assert appeal.status == S.ACCEPTED and appeal.lead_unit == county.units.housing
    assert appeal.rehandle_count == 1 and appeal.bad_rating_at is not None
    assert "appeal_rehandled" in sms_templates(appeal)


def test_a_bad_rating_closed_without_rehandling_needs_a_review_note(file, people, county):
    appeal = completed(file, people, county)
    with pytest.raises(TransitionError, match="复核意见"):
        actions.record_callback(
            appeal, Rating.VERY_DISSATISFIED, False, acting_user=people.supervisor
        )
    appeal = actions.record_callback(
        appeal,
        Rating.VERY_DISSATISFIED,
        False,
        note="已核实，诉求超出政策范围，已解释",
        acting_user=people.supervisor,
    )
    assert appeal.status == S.CLOSED


def test_a_real_name_bad_rating_must_be_contacted_and_it_is_recorded(file, people, county):
    appeal = actions.record_callback(
        completed(file, people, county),
        Rating.DISSATISFIED,
        True,
        rehandle=True,
        acting_user=people.supervisor,
    )
    assert appeal.bad_rating_at is not None and appeal.bad_rating_contacted_at is None
    with pytest.raises(TransitionError):
        actions.record_bad_rating_contact(appeal, "已电话联系", acting_user=people.handler_a)
    actions.record_bad_rating_contact(
        appeal, "已电话联系，约定周五前处理完毕", acting_user=people.supervisor
    )
    appeal.refresh_from_db()
    assert appeal.bad_rating_contacted_at >= appeal.bad_rating_at


def test_an_anonymous_bad_rating_needs_no_contact(file, people, county):
    appeal = file(phone="13900000001", name="")
    appeal.is_anonymous = True  # e.g. a partner system's anonymous citizen with a phone
    appeal.save()
    appeal = actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    appeal = actions.accept_appeal(appeal, acting_user=people.handler_a)
    appeal = actions.reply_appeal(appeal, "已经处理。", acting_user=people.handler_a)
    appeal = actions.record_callback(
        appeal, Rating.DISSATISFIED, True, rehandle=True, acting_user=people.supervisor
    )
    assert appeal.bad_rating_at is None


@pytest.mark.parametrize("who", ["dispatcher", "handler_a", "leader_a", "county_leader"])
def test_only_supervision_records_callbacks(file, people, county, who):
    appeal = completed(file, people, county)
    with pytest.raises(TransitionError):
        actions.record_callback(appeal, Rating.SATISFIED, True, acting_user=getattr(people, who))


def test_a_callback_before_completion_is_refused(file, people, county):
    with pytest.raises(TransitionError, match="办理中"):
        actions.record_callback(
            accepted(file, people, county), Rating.SATISFIED, True, acting_user=people.supervisor
        )


def test_the_supervisor_can_reopen_a_closed_appeal(file, people, county):
    appeal = actions.record_callback(
        completed(file, people, county), Rating.SATISFIED, True, acting_user=people.supervisor
    )
    appeal = actions.rehandle_appeal(appeal, note="督查发现路灯又坏", acting_user=people.supervisor)
    assert appeal.status == S.ACCEPTED and appeal.closed_at is None
    with pytest.raises(TransitionError):
        actions.rehandle_appeal(appeal, acting_user=people.supervisor)


# ---- the citizen's verdict ------------------------------------------------------------------


def test_a_satisfied_citizen_closes_it(file, people, county):
    appeal = actions.citizen_rate(completed(file, people, county), Rating.VERY_SATISFIED, True)
    assert appeal.status == S.CLOSED and appeal.callbacks.get().by is None


def test_an_unsolved_verdict_goes_to_the_supervisor(file, people, county):
    appeal = actions.citizen_rate(
        completed(file, people, county), Rating.BASICALLY_SATISFIED, False
    )
    assert appeal.status == S.COMPLETED and appeal.needs_review
    appeal = actions.record_callback(
        appeal, Rating.BASICALLY_SATISFIED, False, rehandle=True, acting_user=people.supervisor
    )
    assert appeal.status == S.ACCEPTED and not appeal.needs_review


def test_a_citizen_cannot_rate_twice_or_before_the_reply(file, people, county):
    with pytest.raises(TransitionError):
        actions.citizen_rate(accepted(file, people, county), Rating.SATISFIED, True)
    appeal = actions.citizen_rate(completed(file, people, county), Rating.SATISFIED, True)
    with pytest.raises(TransitionError):
        actions.citizen_rate(appeal, Rating.DISSATISFIED, False)


# ---- invalid / merge ----------------------------------------------------------------------


def test_an_emergency_is_marked_invalid_with_a_reason_the_citizen_sees(file, people):
    appeal = actions.invalidate_appeal(
        file(), "属紧急情况，请直接拨打119", acting_user=people.dispatcher
    )
    assert appeal.status == S.INVALID and appeal.public_reason == "属紧急情况，请直接拨打119"
    sms = Message.objects.get(appeal=appeal, template="appeal_invalid")
    assert "119" in sms.body


def test_invalid_needs_the_desk_a_reason_and_a_waiting_appeal(file, people, county):
    with pytest.raises(TransitionError):
        actions.invalidate_appeal(file(), "不是诉求", acting_user=people.handler_a)
    with pytest.raises(TransitionError, match="无效理由"):
        actions.invalidate_appeal(file(), "", acting_user=people.dispatcher)
    with pytest.raises(TransitionError):
        actions.invalidate_appeal(
            dispatched(file, people, county), "不是诉求", acting_user=people.dispatcher
        )


def test_a_repeat_is_merged_and_the_citizen_told_the_originals_result(file, people, county):
    original = completed(file, people, county)
    repeat = actions.merge_appeal(file(), original, acting_user=people.dispatcher)
    assert repeat.status == S.MERGED and repeat.merged_into == original
    assert "路灯已更换" in repeat.public_reason
    assert "appeal_merged" in sms_templates(repeat)


def test_merge_refuses_itself_and_accusations(file, people, codes):
    appeal = file()
    with pytest.raises(TransitionError):
        actions.merge_appeal(appeal, appeal, acting_user=people.dispatcher)
    accusation = file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    with pytest.raises(TransitionError):
        actions.merge_appeal(appeal, accusation, acting_user=people.dispatcher)


# ---- accusations ----------------------------------------------------------------------------


def test_accusations_follow_their_own_road(file, people, codes):
    appeal = file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    assert appeal.status == S.ACCUSATION_NEW
    # A random reference: it tells nobody how many accusations came in (issue 11).
    assert re.fullmatch(r"430422-\d{4}-J[2-9A-HJKMNP-Z]{8}", appeal.number)
    second = file(codes.discipline, type="accusation", content="另一名干部收受红包，请查处。")
    assert second.number != appeal.number and not second.number.endswith("000002")
    assert re.fullmatch(r"430422-\d{4}-000001", file().number)
    for action, kwargs in (
        ("dispatch_appeal", {"lead_unit": codes.bureau.addressee_unit}),
        ("invalidate_appeal", {"reason": "不受理此件"}),
    ):
        with pytest.raises(TransitionError):
            getattr(actions, action)(appeal, acting_user=people.dispatcher, **kwargs)
    appeal = actions.accept_accusation(appeal, acting_user=people.discipline)
    assert appeal.status == S.DISCIPLINE_HANDLING
    appeal = actions.conclude_accusation(
        appeal, "经查属实，已给予党纪处分。", acting_user=people.discipline
    )
    assert appeal.status == S.DISCIPLINE_DONE
    assert "accusation_concluded" in sms_templates(appeal)
    event = AppealEvent.objects.get(appeal=appeal, kind="conclude_accusation")
    assert "党纪处分" in event.public_text


def test_an_anonymous_reporter_gets_no_feedback_text(file, people, codes):
    appeal = file(
        codes.discipline,
        type="accusation",
        anonymous=True,
        phone="",
        name="",
        content="某干部收受红包，请查处此事。",
    )
    actions.accept_accusation(appeal, acting_user=people.discipline)
    actions.conclude_accusation(appeal, "经查属实，已处理。", acting_user=people.discipline)
    event = AppealEvent.objects.get(appeal=appeal, kind="conclude_accusation")
    assert event.public_text == "县纪委监委已办结"


@pytest.mark.parametrize("who", ["dispatcher", "admin", "supervisor", "handler_a"])
def test_nobody_else_touches_an_accusation(file, people, codes, who):
    appeal = file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    for name in ("accept_accusation",):
        with pytest.raises(TransitionError):
            getattr(actions, name)(appeal, acting_user=getattr(people, who))
    with pytest.raises(TransitionError):
        actions.add_note(appeal, "看看", acting_user=getattr(people, who))


def test_the_discipline_officer_cannot_work_ordinary_appeals(file, people):
    with pytest.raises(TransitionError):
        actions.add_note(file(), "看看", acting_user=people.discipline)


# ---- notes ----------------------------------------------------------------------------------


def test_notes_are_internal(file, people, county):
    appeal = accepted(file, people, county)
    event = actions.add_note(appeal, "群众情绪激动，注意沟通", acting_user=people.handler_a)
    assert not event.is_public and event.public_text == ""
    with pytest.raises(TransitionError):
        actions.add_note(appeal, "路过看看", acting_user=people.handler_b)


def test_every_transition_has_a_label_and_a_test_here():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    for name, transition in TRANSITIONS.items():
        assert transition.label
        assert name in source, f"no test mentions transition {name}"


# ---- review findings ------------------------------------------------------------------------


def test_a_citizen_rates_once_and_cannot_undo_a_bad_verdict(file, people, county):
    appeal = actions.citizen_rate(completed(file, people, county), Rating.DISSATISFIED, False)
    with pytest.raises(TransitionError, match="已经评价过"):
        actions.citizen_rate(appeal, Rating.VERY_SATISFIED, True)
    appeal.refresh_from_db()
    assert appeal.status == S.COMPLETED and appeal.needs_review


def test_a_return_cancels_the_units_open_extension(file, people, county):
    appeal = accepted(file, people, county)
    request = actions.request_extension(
        appeal, "需要协调", timezone.now() + timedelta(days=3), acting_user=people.leader_a
    )
    actions.return_appeal(appeal, "不属于本单位职责", acting_user=people.handler_a)
    request.refresh_from_db()
    assert request.status == ExtensionStatus.REFUSED
    with pytest.raises(TransitionError):
        actions.decide_extension(request, True, acting_user=people.dispatcher)
    appeal.refresh_from_db()
    assert appeal.extended_until is None
    actions.dispatch_appeal(appeal, county.units.water, acting_user=people.dispatcher)
    actions.accept_appeal(appeal, acting_user=people.handler_b)
    own = actions.request_extension(
        appeal, "新单位需要时间", timezone.now() + timedelta(days=3), acting_user=people.handler_b
    )
    assert own.status == ExtensionStatus.LEADER


def test_a_rehandling_callback_is_on_the_record(file, people, county):
    appeal = actions.record_callback(
        completed(file, people, county),
        Rating.DISSATISFIED,
        False,
        rehandle=True,
        acting_user=people.supervisor,
    )
    kinds = list(AppealEvent.objects.filter(appeal=appeal).values_list("kind", flat=True))
    assert kinds[-2:] == ["callback", "rehandle"]


def test_an_anonymous_accusation_keeps_no_identity(codes):
    from mashang.appeals import intake

    data = intake.validate_intake(
        type="accusation",
        content="某干部收受红包，请查处此事。",
        anonymous=True,
        phone="13912345678",
        name="王五",
        id_number="43042219800101123X",
    )
    assert (data.phone, data.name, data.id_number) == ("", "", "")
    result = intake.start_intake(codes.discipline, data, token="anon-1", ip="10.0.0.2")
    appeal = result.appeal
    assert appeal.reporter_phone == "" and appeal.phone_index == ""
    assert not Message.objects.filter(appeal=appeal).exists()
