from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mashang.applications import actions
from mashang.applications.choices import Decision, MaterialState, Status
from mashang.applications.models import Application, ApplicationEvent
from mashang.applications.workflow import TransitionError
from mashang.deadlines import calendar
from mashang.notifications.models import Message

from .conftest import reload


def test_acceptance_needs_every_required_material(apply, catalog, people):
    application = apply(brought=[catalog.id_card])  # the photo is missing
    with pytest.raises(TransitionError, match="近期照片"):
        actions.accept_application(application, acting_user=people.window_clerk)
    assert reload(application).status == Status.SUBMITTED


def test_acceptance_starts_the_promised_limit_in_working_days(apply, catalog, people):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    application = reload(application)
    assert application.status == Status.ACCEPTED
    assert application.promised_due_at == calendar.add_working_days(application.accepted_at, 5)
    assert application.legal_due_at == calendar.add_working_days(application.accepted_at, 20)
    assert application.warn_at < application.due_at == application.promised_due_at
    assert Message.objects.filter(template="unit_application", to_unit=catalog.house.unit).exists()
    assert Message.objects.filter(template="application_accepted").exists()


def test_materials_the_government_holds_are_never_asked_for(apply, catalog):
    application = apply()
    states = {m.name: m.state for m in application.materials.all()}
    assert states["家庭收入情况"] == MaterialState.SHARED


def test_deferral_allows_only_materials_marked_deferrable(apply, catalog, people):
    only_photo_missing = apply(brought=[catalog.id_card])
    actions.accept_with_deferral(
        only_photo_missing, acting_user=people.window_clerk, days=3, commitment_signed=True
    )
    application = reload(only_photo_missing)
    assert application.status == Status.DEFERRED
    assert application.supplement_due_at == calendar.add_working_days(application.accepted_at, 3)
    id_missing = apply(brought=[catalog.photo])
    with pytest.raises(TransitionError, match="不可容缺：居民身份证"):
        actions.accept_with_deferral(
            id_missing, acting_user=people.window_clerk, days=3, commitment_signed=True
        )


def test_deferral_needs_the_commitment_and_a_deadline_within_the_promised_limit(
    apply, catalog, people
):
    application = apply(brought=[catalog.id_card])
    with pytest.raises(TransitionError, match="承诺书"):
        actions.accept_with_deferral(
            application, acting_user=people.window_clerk, days=3, commitment_signed=False
        )
    with pytest.raises(TransitionError, match="不超过承诺时限"):
        actions.accept_with_deferral(
            application, acting_user=people.window_clerk, days=6, commitment_signed=True
        )


def test_a_deferred_application_cannot_be_decided_until_supplemented(apply, catalog, people):
    application = apply(brought=[catalog.id_card])
    actions.accept_with_deferral(
        application, acting_user=people.window_clerk, days=3, commitment_signed=True
    )
    with pytest.raises(TransitionError, match="不能作出决定"):
        actions.decide(application, Decision.APPROVE, acting_user=people.reviewer_a)
    photo = application.materials.get(name="近期照片")
    actions.supplement(application, received={photo.pk}, acting_user=people.window_clerk)
    application = reload(application)
    assert application.status == Status.ACCEPTED and application.supplement_due_at is None
    actions.decide(application, Decision.APPROVE, acting_user=people.reviewer_a)
    assert reload(application).status == Status.DECIDED


def test_correction_lists_every_missing_material_at_once_and_only_once(apply, people):
    application = apply()  # nothing brought: 身份证 and 照片 missing
    actions.request_correction(application, {}, acting_user=people.window_clerk)
    notice = reload(application).correction_notice
    assert sorted(i["name"] for i in notice.items) == ["居民身份证", "近期照片"]
    assert reload(application).status == Status.CORRECTION
    with pytest.raises(TransitionError):
        actions.request_correction(application, {}, acting_user=people.window_clerk)


def test_supplement_after_correction_returns_the_same_application_to_prereview(apply, people):
    application = apply()
    actions.request_correction(application, {}, acting_user=people.window_clerk)
    ids = set(
        application.materials.filter(state=MaterialState.MISSING).values_list("pk", flat=True)
    )
    actions.supplement(application, received=ids, as_applicant=True)
    application = reload(application)
    assert application.status == Status.SUBMITTED
    assert application.correction_notice.resolved_at is not None
    actions.accept_application(application, acting_user=people.window_clerk)
    assert reload(application).status == Status.ACCEPTED


def test_correction_during_review_stops_the_clock_and_moves_the_limit_by_the_time_waited(
    apply, catalog, people, monkeypatch
):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    application = reload(application)
    first_due = application.promised_due_at
    photo = application.materials.get(name="近期照片")
    actions.request_correction(application, {photo.pk: "照片模糊"}, acting_user=people.reviewer_a)
    paused = reload(application)
    assert paused.status == Status.CORRECTION and paused.due_at is None
    assert paused.materials.get(pk=photo.pk).state == MaterialState.WRONG
    paused_at = paused.paused_at
    later = timezone.now() + timedelta(days=7)
    monkeypatch.setattr(timezone, "now", lambda: later)
    actions.supplement(application, received={photo.pk}, as_applicant=True)
    resumed = reload(application)
    waited = calendar.working_minutes_between(paused_at, later)
    assert resumed.status == Status.ACCEPTED
    assert resumed.promised_due_at == calendar.add_working_minutes(first_due, waited)
    assert resumed.corrections == 1


def test_refusal_of_acceptance_states_reason_and_legal_basis(apply, people):
    application = apply()
    with pytest.raises(TransitionError, match="法律依据"):
        actions.refuse_acceptance(
            application, "不属于本县管辖范围", "", acting_user=people.window_clerk
        )
    actions.refuse_acceptance(
        application,
        "不属于本县管辖范围",
        "《中华人民共和国行政许可法》第三十二条",
        acting_user=people.window_clerk,
    )
    application = reload(application)
    assert application.status == Status.REFUSED and "三十二条" in application.refusal_basis


def test_only_the_items_own_unit_decides(apply, catalog, people):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    for outsider in (people.reviewer_b, people.window_clerk, people.handler_a):
        with pytest.raises(TransitionError):
            actions.decide(application, Decision.APPROVE, acting_user=outsider)
    with pytest.raises(TransitionError, match="理由"):
        actions.decide(application, Decision.REFUSE, acting_user=people.reviewer_a)
    actions.decide(
        application, Decision.REFUSE, "申请项目不符合规划条件", acting_user=people.reviewer_a
    )
    assert reload(application).decision == Decision.REFUSE


def test_instant_items_finish_at_the_window_in_one_action(apply, catalog, people):
    application = apply(catalog.instant, brought=[catalog.id_card])
    actions.finish_instantly(application, acting_user=people.window_clerk)
    application = reload(application)
    assert application.status == Status.COMPLETED and application.instant
    assert application.rating_token
    promised = apply(brought=[catalog.id_card, catalog.photo])
    with pytest.raises(TransitionError, match="即办件"):
        actions.finish_instantly(promised, acting_user=people.window_clerk)


def test_a_bundle_is_one_parent_with_one_part_per_unit_decided_in_parallel(apply, catalog, people):
    parent = apply(bundle=catalog.bundle, brought=[catalog.id_card, catalog.photo, catalog.licence])
    parts = list(parent.parts.order_by("id"))
    assert [p.unit for p in parts] == [catalog.house.unit, catalog.water.unit]
    actions.accept_application(parent, acting_user=people.window_clerk)
    parent = reload(parent)
    assert parent.promised_due_at == calendar.add_working_days(parent.accepted_at, 8)
    assert {p.status for p in parent.parts.all()} == {Status.ACCEPTED}
    with pytest.raises(TransitionError):
        actions.decide(parts[1], Decision.APPROVE, acting_user=people.reviewer_a)
    actions.decide(parts[0], Decision.APPROVE, acting_user=people.reviewer_a)
    assert reload(parent).status == Status.ACCEPTED
    actions.decide(parts[1], Decision.APPROVE, acting_user=people.reviewer_b)
    assert reload(parent).status == Status.DECIDED
    actions.deliver(parent, acting_user=people.window_clerk)
    assert {p.status for p in parent.parts.all()} == {Status.COMPLETED}
    assert reload(parent).status == Status.COMPLETED


def test_parts_are_not_accepted_on_their_own(apply, catalog, people):
    parent = apply(bundle=catalog.bundle, brought=[catalog.id_card, catalog.photo, catalog.licence])
    with pytest.raises(TransitionError, match="总件"):
        actions.accept_application(parent.parts.first(), acting_user=people.window_clerk)


def test_the_applicant_withdraws_before_the_decision_but_not_after(apply, catalog, people):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    other = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(other, acting_user=people.window_clerk)
    actions.decide(other, Decision.APPROVE, acting_user=people.reviewer_a)
    actions.withdraw(application, "不需要了", as_applicant=True)
    assert reload(application).status == Status.WITHDRAWN
    with pytest.raises(TransitionError):
        actions.withdraw(other, as_applicant=True)


def test_an_extension_needs_the_unit_leader_and_stays_within_the_legal_limit(
    apply, catalog, people
):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    with pytest.raises(TransitionError, match="单位负责人"):
        actions.extend(application, 3, "需要现场核查", acting_user=people.reviewer_a)
    with pytest.raises(TransitionError, match="法定时限"):
        actions.extend(application, 30, "需要现场核查", acting_user=people.leader_a)
    actions.extend(application, 5, "需要现场核查", acting_user=people.leader_a)
    application = reload(application)
    assert application.extended and application.due_at == application.promised_due_at
    with pytest.raises(TransitionError, match="一次"):
        actions.extend(application, 1, "还需要时间", acting_user=people.leader_a)


def test_suspension_stops_the_clock_until_resumed(apply, catalog, people):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    actions.suspend(application, "等待听证结果", acting_user=people.reviewer_a)
    assert reload(application).due_at is None
    actions.resume(application, acting_user=people.reviewer_a)
    assert reload(application).due_at is not None


def test_applicant_identity_and_answers_are_encrypted_at_rest(apply):
    application = apply()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_name, applicant_phone, applicant_id_number, form_json "
            "FROM applications_application WHERE id = %s",
            [application.pk],
        )
        row = cursor.fetchone()
    assert all(value.startswith("sm4gcm:") for value in row)
    assert "13900139000" not in "".join(row) and "宿舍楼" not in "".join(row)
    assert reload(application).applicant_phone == "13900139000"


def test_every_action_writes_an_event(apply, catalog, people):
    application = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    actions.decide(application, Decision.APPROVE, acting_user=people.reviewer_a)
    actions.deliver(application, acting_user=people.window_clerk)
    kinds = list(
        ApplicationEvent.objects.filter(application=application).values_list("kind", flat=True)
    )
    assert kinds == ["received", "accept", "decide", "deliver"]


def test_one_rating_per_application_and_a_bad_one_is_due_for_contact(apply, catalog, people):
    application = apply(catalog.instant, brought=[catalog.id_card])
    actions.finish_instantly(application, acting_user=people.window_clerk)
    token = reload(application).rating_token
    row = actions.rate_application(token, "1", "等太久")
    assert row.contact_due_at == calendar.add_working_days(row.at, 1)
    with pytest.raises(TransitionError, match="一事一评"):
        actions.rate_application(token, "5")
    with pytest.raises(TransitionError):
        actions.handle_bad_rating(row, acting_user=people.window_clerk, rectification="已整改")
    actions.handle_bad_rating(row, acting_user=people.supervisor, rectification="已电话致歉并整改")
    row.refresh_from_db()
    assert row.contacted_at and row.called_back_at


def test_numbers_are_unique_per_application(apply):
    numbers = {apply().number for _ in range(3)}
    assert len(numbers) == 3 and Application.objects.count() == 3
