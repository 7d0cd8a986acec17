"""Every change to an appeal after intake: one function per transition of `workflow`.

Each action runs in one transaction: it locks the row, checks the transition is legal for this
person (`workflow.authorize`) and that they may see the appeal at all (`queries.appeals_for`),
writes the change and an event row, and queues the citizen's SMS in the same transaction.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mashang.core.crypto import secret_digest
from mashang.core.dates import short_when
from mashang.core.text import clean_text
from mashang.deadlines import clock
from mashang.directory.choices import Role, UnitKind
from mashang.directory.models import Unit
from mashang.notifications.outbox import queue_sms, queue_unit_message

from .choices import (
    BAD_RATINGS,
    SATISFIED_RATINGS,
    AppealStatus,
    AssignmentRole,
    EventKind,
    ExtensionStatus,
    Rating,
    Urgency,
)
from .models import Appeal, AppealEvent, AppealPhoto, Assignment, Callback, ExtensionRequest
from .photos import CleanPhoto
from .queries import appeals_for
from .workflow import TransitionError, authorize, merge_refusal

CITIZEN_INFO_PER_DAY = 10
CITIZEN_PHOTOS_MAX = 24
FINAL = {
    AppealStatus.INVALID,
    AppealStatus.MERGED,
    AppealStatus.CLOSED,
    AppealStatus.DISCIPLINE_DONE,
}
HANDLING_KINDS = {
    UnitKind.DEPARTMENT,
    UnitKind.TOWNSHIP,
    UnitKind.VILLAGE,
    UnitKind.SERVICE_CENTRE,
    UnitKind.LEADER_OFFICE,
}


def _lock(appeal: Appeal, name: str, user):
    """Re-read the appeal under a row lock, then authorise the action on the fresh row."""
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if not appeals_for(user).filter(pk=locked.pk).exists():
        raise TransitionError("您无权处理这条诉求。")
    return locked, authorize(locked, name, user)


def _event(appeal, kind, user, old, *, note="", public_text="") -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=user,
        old_status=old,
        new_status=appeal.status,
        note=clean_text(note, multiline=True),  # every note, whichever action wrote it
        is_public=bool(public_text),
        public_text=clean_text(public_text, multiline=True)[:300],
    )


def _sms(appeal: Appeal, template: str, **params) -> None:
    """Tell the citizen, if they left a phone (anonymous reporters get nothing)."""
    if appeal.reporter_phone:
        queue_sms(
            appeal.reporter_phone, template, {"number": appeal.number, **params}, appeal=appeal
        )


def _text(value: str, field: str, minimum: int = 2, maximum: int = 2000) -> str:
    value = clean_text(value, multiline=True)
    if len(value) < minimum:
        raise TransitionError(f"请填写{field}。")
    if len(value) > maximum:
        raise TransitionError(f"{field}不能超过{maximum}字。")
    return value


@transaction.atomic
def dispatch_appeal(
    appeal: Appeal,
    lead_unit: Unit,
    *,
    acting_user,
    co_units=(),
    note: str = "",
    urgency: str = Urgency.NORMAL,
) -> Appeal:
    """Send an appeal to its lead unit (主办) and any co-handling units (协办).

    After a unit has returned it once, the desk's new choice is a designation: that unit can
    no longer return it (潍坊 12345 条例 art. 22).
    """
    appeal, t = _lock(appeal, "dispatch", acting_user)
    if not lead_unit.is_active or lead_unit.kind not in HANDLING_KINDS:
        raise TransitionError("请选择一个承办单位。")
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    if any(u.kind not in HANDLING_KINDS for u in co_units):
        raise TransitionError("协办单位须是承办单位。")
    old = appeal.status
    now = timezone.now()
    Assignment.objects.filter(appeal=appeal, active=True).update(active=False)
    Assignment.objects.bulk_create(
        [Assignment(appeal=appeal, unit=lead_unit, role=AssignmentRole.LEAD, assigned_at=now)]
        + [
            Assignment(appeal=appeal, unit=u, role=AssignmentRole.CO, assigned_at=now)
            for u in co_units
        ]
    )
    appeal.lead_unit = lead_unit
    appeal.status = t.target
    appeal.dispatched_at = now
    appeal.designated = appeal.return_count > 0
    if urgency not in Urgency.values:
        raise TransitionError("请选择紧急程度。")
    appeal.urgency = urgency
    clock.dispatched(appeal, now)
    appeal.save()
    names = "、".join(u.name for u in co_units)
    _event(
        appeal,
        EventKind.DISPATCH,
        acting_user,
        old,
        note=(note + (f"（协办：{names}）" if names else "")).strip(),
        public_text=f"已转交{lead_unit.name}办理",
    )
    queue_unit_message(lead_unit, "unit_dispatched", {"number": appeal.number}, appeal=appeal)
    return appeal


@transaction.atomic
def accept_appeal(appeal: Appeal, *, acting_user) -> Appeal:
    appeal, t = _lock(appeal, "accept", acting_user)
    old = appeal.status
    appeal.status = t.target
    appeal.accepted_at = timezone.now()
    clock.accepted(appeal, appeal.accepted_at)
    appeal.save()
    _event(
        appeal,
        EventKind.ACCEPT,
        acting_user,
        old,
        public_text=f"{appeal.lead_unit.name}已受理，正在办理",
    )
    _sms(appeal, "appeal_accepted", unit=appeal.lead_unit.name)
    return appeal


@transaction.atomic
def return_appeal(appeal: Appeal, reason: str, *, acting_user) -> Appeal:
    """The lead unit hands it back to the desk, with reasons (安阳 art. 50)."""
    appeal, t = _lock(appeal, "return", acting_user)
    if appeal.designated:
        raise TransitionError("此诉求由分拨中心指定承办，不能再退回。")
    reason = _text(reason, "退回理由", 4, 300)
    old = appeal.status
    Assignment.objects.filter(appeal=appeal, active=True).update(active=False)
    _cancel_open_extensions(appeal, acting_user, "承办单位已退回")
    appeal.status = t.target
    appeal.lead_unit = None
    appeal.accepted_at = None
    appeal.extended_until = None
    appeal.waiting_citizen = False
    appeal.paused_at = None
    appeal.return_count += 1
    clock.returned(appeal)
    appeal.save()
    _event(
        appeal, EventKind.RETURN, acting_user, old, note=reason, public_text="正在重新确定承办单位"
    )
    return appeal


OPEN_EXTENSIONS = [ExtensionStatus.LEADER, ExtensionStatus.PENDING]


def _cancel_open_extensions(appeal, user, why: str) -> None:
    appeal.extensions.filter(status__in=OPEN_EXTENSIONS).update(
        status=ExtensionStatus.REFUSED,
        decided_by=user,
        decided_at=timezone.now(),
        decision_note=why,
    )


@transaction.atomic
def request_extension(appeal: Appeal, reason: str, new_due, *, acting_user) -> ExtensionRequest:
    """One extension per appeal, of at most about five working days; the desk decides."""
    # Once per dispatch, and not while one waits (`workflow.extension_refusal`).
    appeal, _t = _lock(appeal, "request_extension", acting_user)
    reason = _text(reason, "延期理由", 4, 300)
    now = timezone.now()
    if new_due is None or new_due <= now:
        raise TransitionError("延期后的期限须晚于现在。")
    if new_due > clock.extension_limit(appeal, now):
        raise TransitionError("延期不能超过5个工作日。")
    # The unit's rule (安阳 art. 50): a handler's request needs the unit head's approval first.
    first = (
        ExtensionStatus.PENDING
        if acting_user.has_role(Role.UNIT_LEADER)
        else ExtensionStatus.LEADER
    )
    request = ExtensionRequest.objects.create(
        appeal=appeal, requested_by=acting_user, reason=reason, new_due=new_due, status=first
    )
    _event(
        appeal,
        EventKind.EXTENSION_REQUESTED,
        acting_user,
        appeal.status,
        note=f"申请延期至 {timezone.localtime(new_due):%Y-%m-%d %H:%M}：{reason}",
    )
    return request


def _lock_extension(request, name: str, user, expected: str, message: str):
    """Lock the appeal (authorising `name`), then the request, which must be at `expected`."""
    appeal, _t = _lock(request.appeal, name, user)
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != expected:
        raise TransitionError(message)
    return appeal, request


@transaction.atomic
def endorse_extension(
    request: ExtensionRequest, approve: bool, *, acting_user, note: str = ""
) -> ExtensionRequest:
    """The unit leader passes a handler's extension request on to the desk, or stops it."""
    appeal, request = _lock_extension(
        request,
        "endorse_extension",
        acting_user,
        ExtensionStatus.LEADER,
        "这份延期申请不在单位负责人审核环节。",
    )
    note = clean_text(note, multiline=True)[:300]
    request.status = ExtensionStatus.PENDING if approve else ExtensionStatus.REFUSED
    # The leader's word stays on the request: the desk reads it when deciding.
    request.endorsed_by, request.endorsed_at = acting_user, timezone.now()
    request.endorse_note = note
    if not approve:
        request.decided_by, request.decided_at = acting_user, request.endorsed_at
        request.decision_note = note
    request.save()
    said = f"：{note}" if note else ""
    _event(
        appeal,
        EventKind.EXTENSION_DECIDED,
        acting_user,
        appeal.status,
        note=(
            f"单位负责人同意延期，报分拨中心审批{said}"
            if approve
            else f"单位负责人未同意延期{said}"
        ),
    )
    return request


@transaction.atomic
def decide_extension(
    request: ExtensionRequest, approve: bool, *, acting_user, note: str = ""
) -> ExtensionRequest:
    appeal, request = _lock_extension(
        request,
        "decide_extension",
        acting_user,
        ExtensionStatus.PENDING,
        "这份延期申请已经审批过了。",
    )
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.decision_note = clean_text(note, multiline=True)[:300]
    request.save()
    when = timezone.localtime(request.new_due)
    if approve:
        appeal.extended_until = request.new_due
        clock.extended(appeal, request.new_due)
        appeal.save()
        _event(
            appeal,
            EventKind.EXTENSION_DECIDED,
            acting_user,
            appeal.status,
            note=note,
            public_text=f"办理期限延长至{when:%Y年%m月%d日}，原因：{request.reason}",
        )
        _sms(
            appeal,
            "appeal_extended",
            date=short_when(when.date(), chinese=True),
            reason=request.reason[:20],
        )
    else:
        _event(
            appeal,
            EventKind.EXTENSION_DECIDED,
            acting_user,
            appeal.status,
            note=f"未批准延期：{note}",
        )
    return request


@transaction.atomic
def ask_citizen(appeal: Appeal, question: str, *, acting_user) -> Appeal:
    """The unit needs more from the citizen; the question shows on the public timeline."""
    appeal, _t = _lock(appeal, "ask_citizen", acting_user)
    question = _text(question, "要询问的问题", 4, 300)
    appeal.waiting_citizen = True
    clock.paused(appeal)
    appeal.save()
    _event(
        appeal,
        EventKind.ASK_CITIZEN,
        acting_user,
        appeal.status,
        public_text=f"承办单位询问：{question}",
    )
    _sms(appeal, "appeal_question")
    return appeal


@transaction.atomic
def reply_appeal(
    appeal: Appeal, result: str, *, acting_user, photos: list[CleanPhoto] = ()
) -> Appeal:
    """The unit finishes: the result goes to the citizen at once, with a link to rate it."""
    appeal, t = _lock(appeal, "reply", acting_user)
    result = _text(result, "办理结果", 5, 2000)
    old = appeal.status
    appeal.status = t.target
    appeal.result_text = result
    appeal.completed_at = timezone.now()
    appeal.waiting_citizen = False
    appeal.paused_at = None
    clock.stop(appeal)
    raw_token = secrets.token_urlsafe(16)
    appeal.rating_token = secret_digest(raw_token)
    _cancel_open_extensions(
        appeal, acting_user, "已办结"
    )  # the link carries the token, we keep a digest
    appeal.save()
    for photo in photos:
        AppealPhoto.objects.create(
            appeal=appeal,
            image=photo.content,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            stage=AppealPhoto.STAGE_REPLY,
        )
    _event(appeal, EventKind.REPLY, acting_user, old, public_text=f"办理结果：{result}"[:300])
    link = settings.SITE_URL + reverse("rate_appeal", args=[raw_token])
    _sms(appeal, "appeal_replied", link=link)
    return appeal


def yes_no(value) -> bool | None:
    """A posted "1"/"0" answer; None when the question was not answered."""
    return {"1": True, "0": False}.get(value)


@transaction.atomic
def record_callback(
    appeal: Appeal,
    rating: str,
    solved: bool | None,
    *,
    acting_user,
    rehandle: bool = False,
    note: str = "",
) -> Appeal:
    """The supervision office's 回访. A bad rating or an unsolved problem is either sent back
    to the same unit (重办) or closed after the supervisor's review, with a note."""
    appeal, _t = _lock(appeal, "callback", acting_user)
    if rating not in Rating.values:
        raise TransitionError("请选择群众的满意度。")
    if solved is None:  # never a default: a figure built on defaults is not a figure
        raise TransitionError("请选择问题是否解决。")
    bad = rating in BAD_RATINGS or not solved
    if bad and not rehandle and len((note or "").strip()) < 4:
        raise TransitionError("差评或问题未解决时，请选择重办，或写明复核意见后结案。")
    now = timezone.now()
    Callback.objects.create(
        appeal=appeal,
        by=acting_user,
        rating=rating,
        solved=solved,
        note=clean_text(note, multiline=True)[:300],
        at=now,
    )
    _rate(appeal, rating, solved, now)
    appeal.needs_review = False
    old = appeal.status
    label = Rating(rating).label
    if bad and rehandle:
        appeal.save()
        _event(
            appeal,
            EventKind.CALLBACK,
            acting_user,
            old,
            note=note,
            public_text=f"已回访，评价：{label}",
        )
        _rehandle(appeal, acting_user, old, f"回访{label}，重办：{note}".strip("："))
        return appeal
    appeal.status = AppealStatus.CLOSED
    appeal.closed_at = now
    appeal.save()
    _event(
        appeal,
        EventKind.CALLBACK,
        acting_user,
        old,
        note=note,
        public_text=f"已回访，评价：{label}",
    )
    return appeal


@transaction.atomic
def rehandle_appeal(appeal: Appeal, *, acting_user, note: str = "") -> Appeal:
    appeal, _t = _lock(appeal, "rehandle", acting_user)
    _rehandle(appeal, acting_user, appeal.status, note or "督查重办")
    return appeal


def _rehandle(appeal, user, old, note):
    appeal.status = AppealStatus.ACCEPTED
    appeal.rehandle_count += 1
    appeal.completed_at = None
    appeal.closed_at = None
    appeal.needs_review = False
    clock.rehandled(appeal)
    appeal.save()
    _event(appeal, EventKind.REHANDLE, user, old, note=note, public_text="已安排承办单位重新办理")
    _sms(appeal, "appeal_rehandled")
    queue_unit_message(
        appeal.lead_unit, "unit_dispatched", {"number": appeal.number}, appeal=appeal
    )


def _rate(appeal, rating, solved, now):
    appeal.rating = rating
    appeal.solved = solved
    appeal.rated_at = now
    if rating in BAD_RATINGS:
        appeal.ever_bad_rating = True  # 差评 stays counted after a later good rating
    if (rating in BAD_RATINGS) and appeal.is_real_name and appeal.bad_rating_at is None:
        appeal.bad_rating_at = now  # a real-name 差评 is contacted within 1 working day
        clock.bad_rating(appeal, now)


@transaction.atomic
def record_bad_rating_contact(appeal: Appeal, note: str, *, acting_user) -> Appeal:
    """The supervision office has called the citizen who gave a real-name bad rating."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if not appeals_for(acting_user).filter(pk=appeal.pk).exists() or not acting_user.has_role(
        Role.SUPERVISOR, Role.ADMIN
    ):
        raise TransitionError("只有效能督查人员可以登记差评联系。")
    if appeal.bad_rating_at is None:
        raise TransitionError("这条诉求没有实名差评。")
    if appeal.bad_rating_contacted_at:
        raise TransitionError("已登记过联系情况。")
    note = _text(note, "联系情况", 4, 300)
    appeal.bad_rating_contacted_at = timezone.now()
    appeal.save(update_fields=["bad_rating_contacted_at", "updated_at"])
    _event(appeal, EventKind.BAD_RATING_CONTACT, acting_user, appeal.status, note=note)
    return appeal


@transaction.atomic
def invalidate_appeal(appeal: Appeal, reason: str, *, acting_user) -> Appeal:
    """Not an appeal, or an emergency for 110/119/120: the citizen sees the reason."""
    appeal, t = _lock(appeal, "invalidate", acting_user)
    reason = _text(reason, "无效理由", 4, 300)
    old = appeal.status
    appeal.status = t.target
    appeal.public_reason = reason
    appeal.closed_at = timezone.now()
    clock.stop(appeal)
    appeal.save()
    _event(appeal, EventKind.INVALIDATE, acting_user, old, public_text=f"未予受理：{reason}")
    _sms(appeal, "appeal_invalid", reason=reason[:30])
    return appeal


@transaction.atomic
def merge_appeal(appeal: Appeal, original: Appeal, *, acting_user) -> Appeal:
    """A repeat with no new facts: tell the citizen the original's progress or result."""
    appeal, t = _lock(appeal, "merge", acting_user)
    original = appeals_for(acting_user).filter(pk=original.pk).first()
    refusal = merge_refusal(appeal, original)
    if refusal:
        raise TransitionError(refusal)
    old = appeal.status
    appeal.status = t.target
    appeal.merged_into = original
    appeal.closed_at = timezone.now()
    clock.stop(appeal)
    appeal.public_reason = f"与诉求{original.number}为同一事项，{original.progress_text()}"[:300]
    appeal.save()
    _event(appeal, EventKind.MERGE, acting_user, old, public_text=appeal.public_reason)
    _sms(
        appeal,
        "appeal_merged",
        original=original.number,
        progress=("已办结" if original.result_text else original.get_status_display()),
    )
    return appeal


@transaction.atomic
def accept_accusation(appeal: Appeal, *, acting_user) -> Appeal:
    appeal, t = _lock(appeal, "accept_accusation", acting_user)
    old = appeal.status
    appeal.status = t.target
    appeal.accepted_at = timezone.now()
    appeal.save()
    _event(appeal, EventKind.ACCEPT_ACCUSATION, acting_user, old, public_text="县纪委监委已受理")
    return appeal


@transaction.atomic
def conclude_accusation(appeal: Appeal, feedback: str, *, acting_user) -> Appeal:
    """办结; a real-name reporter gets the feedback (on /track) and an SMS."""
    appeal, t = _lock(appeal, "conclude_accusation", acting_user)
    feedback = _text(feedback, "办理情况反馈", 5, 2000)
    old = appeal.status
    appeal.status = t.target
    appeal.result_text = feedback
    appeal.completed_at = appeal.closed_at = timezone.now()
    clock.stop(appeal)
    appeal.save()
    public = f"县纪委监委已办结：{feedback}" if appeal.is_real_name else "县纪委监委已办结"
    _event(appeal, EventKind.CONCLUDE_ACCUSATION, acting_user, old, public_text=public[:300])
    if appeal.is_real_name:
        _sms(appeal, "accusation_concluded")
    return appeal


@transaction.atomic
def add_note(appeal: Appeal, text: str, *, acting_user) -> AppealEvent:
    """An internal note: staff see it, citizens never do."""
    appeal, _t = _lock(appeal, "note", acting_user)
    return _event(
        appeal, EventKind.NOTE, acting_user, appeal.status, note=_text(text, "备注内容", 1, 1000)
    )


# ---- the citizen's side (from /track; authorised by the tracking session) -----------------


@transaction.atomic
def citizen_add_info(appeal: Appeal, text: str, photos: list[CleanPhoto] = ()) -> Appeal:
    """More facts or an answer to the unit's question; no clock restarts."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status in FINAL:
        raise TransitionError("这条诉求已经结束，如有新情况请重新提交。")
    if (
        AppealEvent.objects.filter(
            appeal=appeal, kind=EventKind.CITIZEN_INFO, at__gte=timezone.now() - timedelta(days=1)
        ).count()
        >= CITIZEN_INFO_PER_DAY
    ):
        raise TransitionError(f"每天最多补充{CITIZEN_INFO_PER_DAY}次，请明天再补充。")
    if appeal.photos.count() + len(photos) > CITIZEN_PHOTOS_MAX:
        raise TransitionError(f"每件诉求最多{CITIZEN_PHOTOS_MAX}张照片。")
    text = _text(text, "补充内容", 2, 1000)
    for photo in photos:
        AppealPhoto.objects.create(
            appeal=appeal,
            image=photo.content,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            stage=AppealPhoto.STAGE_CITIZEN,
        )
    answered = appeal.waiting_citizen
    appeal.waiting_citizen = False
    if answered:
        clock.resumed(appeal)  # adding information alone restarts nothing
    appeal.save()
    _event(
        appeal,
        EventKind.CITIZEN_INFO,
        None,
        appeal.status,
        note=text,
        public_text=("您回复了承办单位的询问" if answered else "您补充了信息")
        + (f"（附照片{len(photos)}张）" if photos else ""),
    )
    if appeal.lead_unit_id:
        queue_unit_message(
            appeal.lead_unit, "unit_citizen_info", {"number": appeal.number}, appeal=appeal
        )
    return appeal


@transaction.atomic
def citizen_rate(appeal: Appeal, rating: str, solved: bool | None) -> Appeal:
    """The citizen's own verdict after the reply: satisfied closes it; otherwise the
    supervision office reviews it and may reopen it to the same unit."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.COMPLETED:
        raise TransitionError("这条诉求现在不能评价。")
    if appeal.needs_review or (appeal.rated_at and appeal.rated_at >= appeal.completed_at):
        raise TransitionError("您已经评价过了，效能督查办会跟进。")
    if solved is None:
        raise TransitionError("请选择问题是否解决。")
    if rating not in Rating.values:
        raise TransitionError("请选择您的满意程度。")
    now = timezone.now()
    Callback.objects.create(
        appeal=appeal, by=None, rating=rating, solved=solved, at=now, note="群众自评"
    )
    _rate(appeal, rating, solved, now)
    old = appeal.status
    label = Rating(rating).label
    if rating in SATISFIED_RATINGS and solved:
        appeal.status = AppealStatus.CLOSED
        appeal.closed_at = now
        public = f"您的评价：{label}，已结案"
    else:
        appeal.needs_review = True
        public = f"您的评价：{label}，问题{'已' if solved else '未'}解决，效能督查办将跟进"
    appeal.save()
    _event(appeal, EventKind.CITIZEN_RATING, None, old, public_text=public)
    return appeal
