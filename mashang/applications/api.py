"""Applications over the JSON API: online filing with the page's rules, and the staff actions
through the same restricted querysets and action functions as the pages."""

from datetime import datetime
from typing import Annotated, Literal, get_args

from django.conf import settings
from django.http import Http404
from ninja import Field, Path, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict

from mashang.api.auth import StaffToken
from mashang.api.errors import ApiError, responses
from mashang.api.staff import _json_integer
from mashang.appeals import intake
from mashang.catalog.models import Bundle
from mashang.catalog.queries import current_version, published_items
from mashang.core.audit import client_ip
from mashang.core.crypto import blind_index
from mashang.core.ratelimit import RateLimited

from . import actions
from .choices import Channel
from .models import Application
from .queries import get_application_for_user
from .views import PURPOSE
from .workflow import TransitionError

router = Router(tags=["办件"])
MAX_ID = 2**63 - 1
ApplicationId = Annotated[int, Path(ge=1, le=MAX_ID)]


class CodeIn(Schema):
    phone: str = Field(min_length=1, description="申请人手机号")


class CodeOut(Schema):
    message: str
    demo_sms_code: str | None = None


class ApplicationIn(Schema):
    model_config = ConfigDict(strict=True)

    item_code: str = Field("", description="事项实施编码（与 bundle_code 二选一）")
    bundle_code: str = Field("", description="一件事代码（与 item_code 二选一）")
    phone: str = Field(min_length=1)
    sms_code: str = Field(min_length=1, description="POST /applications/code 发送的短信验证码")
    applicant_name: str = Field(min_length=1)
    applicant_id_number: str = Field(min_length=1)
    applicant_kind: Literal["person", "firm"] = "person"
    firm_name: str = ""
    firm_uscc: str = ""
    form: dict[str, str] = Field({}, description="申请表：字段代码 → 内容")
    delivery: Literal["pickup", "post", "electronic"] = "electronic"
    post_address: str = ""
    client_token: str = Field(min_length=1, max_length=60, description="幂等键：重试时不变")


class ApplicationOut(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    unit: str
    channel: str
    received_at: datetime
    promised_due_at: datetime | None
    parts: list[str]


class EventOut(Schema):
    at: datetime
    kind: str
    old_status: str
    new_status: str
    note: str
    actor: str | None


class ApplicationDetail(ApplicationOut):
    applicant: str
    decision: str
    result_text: str
    missing: list[str]
    events: list[EventOut]


def _out(a: Application) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "title": a.title,
        "status": a.status,
        "status_label": a.get_status_display(),
        "unit": a.unit.name,
        "channel": a.channel,
        "received_at": a.received_at,
        "promised_due_at": a.promised_due_at,
        "parts": list(a.parts.values_list("number", flat=True)),
    }


@router.post(
    "/applications/code",
    response={200: CodeOut, **responses(400, 429)},
    summary="发送网上申请的短信验证码",
)
def send_code(request, payload: CodeIn):
    phone = intake.normalise_phone(payload.phone)
    problem = intake.phone_error(phone)
    if problem:
        raise ApiError(400, "invalid", problem, {"phone": problem})
    try:
        code = intake._new_code(
            PURPOSE, blind_index(phone), phone, ip=client_ip(request) or "unknown", resend=True
        )
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", exc.message) from exc
    return {
        "message": "验证码已发送，5分钟内有效",
        "demo_sms_code": code if settings.DEMO_MODE else None,
    }


@router.post(
    "/applications",
    response={201: ApplicationOut, **responses(400, 404, 429)},
    summary="网上申请（与网页相同的规则；材料可在“我的办件”或窗口补交）",
)
def create_application(request, payload: ApplicationIn):
    item = bundle = None
    if payload.item_code and not payload.bundle_code:
        item = published_items().filter(code=payload.item_code).first()
        version = current_version(item) if item else None
        if version is None or not version.online:
            raise ApiError(404, "not_found", "没有找到可网上办理的事项")
    elif payload.bundle_code and not payload.item_code:
        bundle = Bundle.objects.filter(
            code=payload.bundle_code, is_active=True, online=True
        ).first()
        if bundle is None:
            raise ApiError(404, "not_found", "没有找到可网上办理的一件事")
    else:
        raise ApiError(
            400, "invalid", "请填写事项编码或一件事代码（二选一）", {"item_code": "二选一"}
        )
    errors = {}
    try:
        applicant = actions.validate_applicant(
            name=payload.applicant_name,
            phone=payload.phone,
            id_number=payload.applicant_id_number,
            kind=payload.applicant_kind,
            firm_name=payload.firm_name,
            firm_uscc=payload.firm_uscc,
        )
    except actions.FilingError as exc:
        errors.update(exc.errors)
    try:
        form = actions.validate_form(actions.form_fields(item, bundle), payload.form)
    except actions.FilingError as exc:
        errors.update(exc.errors)
    if errors:
        raise ApiError(400, "invalid", "申请内容需要修改", errors)
    try:
        intake.check_code(PURPOSE, blind_index(applicant.phone), payload.sms_code)
    except intake.CodeError as exc:
        raise ApiError(400, "invalid", exc.errors["code"], exc.errors) from exc
    try:
        application = actions.file_application(
            applicant=applicant,
            channel=Channel.API,
            item=item,
            bundle=bundle,
            form=form,
            delivery=payload.delivery,
            post_address=payload.post_address,
            token=f"api:{payload.client_token}",
        )
    except actions.FilingError as exc:
        raise ApiError(400, "invalid", "申请内容需要修改", exc.errors) from exc
    return Status(201, _out(application))


staff = Router(tags=["办件办理（工作人员）"], auth=StaffToken())


def _get(request, pk: int) -> Application:
    try:
        return get_application_for_user(request.auth, pk, request=request)
    except Http404 as exc:
        raise ApiError(404, "not_found", "没有找到这个办件，或您无权查看") from exc


ERRORS = responses(400, 401, 404, 409, 429)


@staff.get(
    "/applications/{application_id}",
    response={200: ApplicationDetail, **ERRORS},
    summary="办件详情（含办理记录）",
)
def get_application(request, application_id: ApplicationId):
    a = _get(request, application_id)
    holder = a.parent or a
    return {
        **_out(a),
        "applicant": a.applicant_label,
        "decision": a.decision,
        "result_text": a.result_text,
        "missing": [m.name for m in actions.missing_materials(holder)],
        "events": [
            {
                "at": e.at,
                "kind": e.kind,
                "old_status": e.old_status,
                "new_status": e.new_status,
                "note": e.note,
                "actor": e.actor.display_name if e.actor else None,
            }
            for e in a.events.select_related("actor")
        ],
    }


Action = Literal[
    "accept",
    "instant",
    "defer",
    "correction",
    "refuse",
    "decide",
    "deliver",
    "withdraw",
    "suspend",
    "resume",
    "extend",
    "note",
]


class ActionIn(Schema):
    model_config = ConfigDict(strict=True)

    reason: str = ""
    basis: str = Field("", description="不予受理的法律依据")
    decision: str = Field("", description="approve 或 refuse")
    result: str = ""
    days: Annotated[int, Field(ge=0, le=60, strict=False), BeforeValidator(_json_integer)] = Field(
        0, description="容缺补齐或延长的工作日数"
    )
    commitment_signed: bool = False
    problems: dict[str, str] = Field({}, description="补正：材料 id → 问题（缺少时为空）")
    note: str = ""


def _run(name: str, a: Application, body: ActionIn, user):
    if name == "accept":
        return actions.accept_application(a, acting_user=user)
    if name == "instant":
        return actions.finish_instantly(a, acting_user=user, result_text=body.result)
    if name == "defer":
        return actions.accept_with_deferral(
            a, acting_user=user, days=body.days, commitment_signed=body.commitment_signed
        )
    if name == "correction":
        problems = {k: v for k, v in body.problems.items() if k.isdigit() and len(k) < 18}
        return actions.request_correction(a, problems, acting_user=user, note=body.note)
    if name == "refuse":
        return actions.refuse_acceptance(a, body.reason, body.basis, acting_user=user)
    if name == "decide":
        return actions.decide(
            a, body.decision, body.reason, acting_user=user, result_text=body.result
        )
    if name == "deliver":
        return actions.deliver(a, acting_user=user, note=body.note)
    if name == "withdraw":
        return actions.withdraw(a, body.reason, acting_user=user)
    if name == "suspend":
        return actions.suspend(a, body.reason, acting_user=user)
    if name == "resume":
        return actions.resume(a, acting_user=user)
    if name == "extend":
        return actions.extend(a, body.days, body.reason, acting_user=user)
    if name == "note":
        return actions.add_note(a, body.note, acting_user=user)
    raise AssertionError(name)


@staff.post(
    "/applications/{application_id}/{action}",
    response={200: ApplicationOut, **ERRORS},
    summary="办件操作：" + "、".join(get_args(Action)),
    description="每个操作读取 body 中与之相关的字段；状态或角色不允许时为 409。",
)
def act_on_application(
    request, application_id: ApplicationId, action: Path[Action], body: ActionIn
):
    a = _get(request, application_id)
    try:
        _run(action, a, body, request.auth)
    except TransitionError as exc:
        raise ApiError(409, "not_allowed", str(exc)) from exc
    a.refresh_from_db()
    return Status(200, _out(a))


__all__ = ["router", "staff"]
