"""Applications over the JSON API: online filing with the page's rules, and the staff actions
through the same restricted querysets and action functions as the pages."""

from datetime import datetime, timedelta
from typing import Annotated, Literal, get_args

from django.conf import settings
from django.core import signing
from django.http import Http404, QueryDict
from ninja import Field, File, Form, Path, Router, Schema, Status, UploadedFile
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
from .uploads import UploadError, clean_material
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
    form: dict[str, str] = Field(
        {},
        description="申请表：字段代码 → 内容（姓名、身份证号、手机号、企业名称、统一社会信用代码"
        "等申请人信息不必重复填写，取自 applicant_* 与 firm_*）",
    )
    cases: dict[str, list[str]] = Field(
        {},
        description='办理情形：办事指南中的问题 → 所选选项（如 {"是否委托他人代为办理？": '
        '["本人办理"]}）；事项有情形问题时必填，材料清单按所选情形确定',
    )
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


class MaterialOut(Schema):
    id: int = Field(description="上传材料时的 material_id")
    name: str
    required: bool
    may_be_missing: bool = Field(description="可容缺")
    state: str
    state_label: str
    files: int


class ApplicationCreated(ApplicationOut):
    applicant_token: str = Field(
        description="申请人凭证：上传材料时使用（30天内有效；过期后用短信验证码）"
    )
    materials: list[MaterialOut]


class MaterialsOut(Schema):
    status: str
    status_label: str
    materials: list[MaterialOut]


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


TOKEN_SALT = "applications.api.applicant"
TOKEN_AGE = timedelta(days=30)


def _applicant_token(a: Application) -> str:
    return signing.dumps({"a": a.pk, "p": a.phone_index}, salt=TOKEN_SALT)


def _materials(a: Application) -> list[dict]:
    holder = a.parent or a
    return [
        {
            "id": m.pk,
            "name": m.name,
            "required": m.required,
            "may_be_missing": m.may_be_missing,
            "state": m.state,
            "state_label": m.state_label,
            "files": len(m.files.all()),
        }
        for m in holder.materials.select_related("material_type", "application").prefetch_related(
            "files"
        )
    ]


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
        code = actions.send_applicant_code(phone, ip=client_ip(request) or "unknown")
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", exc.message) from exc
    return {
        "message": "验证码已发送，5分钟内有效",
        "demo_sms_code": code if settings.DEMO_MODE else None,
    }


def _case_params(plan, answers: dict[str, list[str]]) -> QueryDict:
    """The guide's question text → option labels, as the page's parameters (c1=2 …)."""
    params, errors = QueryDict(mutable=True), {}
    by_text = {q.text: q for q in plan.questions}
    for text, labels in answers.items():
        q = by_text.get(text)
        if q is None:
            errors[f"cases.{text}"[:80]] = "没有这个办理情形问题"
            continue
        values = {o.label: o.value for o in q.options}
        unknown = [label for label in labels if label not in values]
        if unknown:
            errors[f"cases.{text}"[:80]] = f"可选：{'、'.join(values)}"
            continue
        params.setlist(q.key, [values[label] for label in labels])
    if errors:
        raise ApiError(400, "invalid", "办理情形不正确", errors)
    return params


@router.post(
    "/applications",
    response={201: ApplicationCreated, **responses(400, 404, 429)},
    summary="网上申请（与网页相同的规则：按办理情形确定表单与材料；材料用"
    " POST /applications/{application_id}/materials 上传）",
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
    plan = actions.filing_plan(item, bundle)
    plan = actions.filing_plan(item, bundle, _case_params(plan, payload.cases))
    given = actions.Applicant(
        name=payload.applicant_name,
        phone=payload.phone,
        id_number=payload.applicant_id_number,
        kind=payload.applicant_kind,
        firm_name=payload.firm_name,
        firm_uscc=payload.firm_uscc,
    )
    try:
        applicant, form = actions.check_filing(plan, payload.form, given)
    except actions.FilingError as exc:
        raise ApiError(400, "invalid", "申请内容需要修改", exc.errors) from exc
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
            plan=plan,
        )
    except actions.FilingError as exc:
        raise ApiError(400, "invalid", "申请内容需要修改", exc.errors) from exc
    return Status(
        201,
        {
            **_out(application),
            "applicant_token": _applicant_token(application),
            "materials": _materials(application),
        },
    )


def _for_applicant(application_id: int, token: str, phone: str, sms_code: str) -> Application:
    """The applicant's own application: by the token filing returned, or by phone + SMS code
    (as on the page). Any failure reads the same, whether or not the application exists."""
    denied = ApiError(401, "unauthorized", "凭证无效或已过期：请用短信验证码（phone、sms_code）")
    application = Application.objects.filter(pk=application_id, parent__isnull=True).first()
    if token:
        try:
            claim = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_AGE)
        except signing.BadSignature as exc:
            raise denied from exc
        if application is None or claim != {"a": application.pk, "p": application.phone_index}:
            raise denied
        return application
    phone = intake.normalise_phone(phone)
    if not phone or not sms_code:
        raise denied
    try:
        intake.check_code(PURPOSE, blind_index(phone), sms_code)
    except intake.CodeError as exc:
        raise ApiError(401, "unauthorized", exc.errors["code"], exc.errors) from exc
    if application is None or application.phone_index != blind_index(phone):
        raise denied
    return application


@router.post(
    "/applications/{application_id}/materials",
    response={200: MaterialsOut, **responses(400, 401, 409, 429)},
    summary="申请人上传材料（multipart；与网页相同的检查：PDF、JPG、PNG，按内容识别，"
    "每个不超过 10 MB，图片重新编码，含脚本的 PDF 与解压炸弹拒收，拒收时不保留任何文件）",
    description="待预审时可上传缺少的材料或替换已上传的材料；补正、容缺期间只能上传告知书列出的"
    "材料；受理后与作出决定后不能上传。凭证：applicant_token（提交申请时返回），或 phone + "
    "sms_code（POST /applications/code）。",
)
def upload_materials(
    request,
    application_id: ApplicationId,
    material_id: int = Form(..., ge=1, le=MAX_ID, description="材料 id（提交申请时返回）"),
    files: File[list[UploadedFile]] = None,
    applicant_token: Form[str] = "",
    phone: Form[str] = "",
    sms_code: Form[str] = "",
):
    application = _for_applicant(application_id, applicant_token, phone, sms_code)
    holder = application.parent or application
    material = holder.materials.filter(pk=material_id).first()
    if material is None:
        raise ApiError(400, "invalid", "没有这份材料", {"material_id": "没有这份材料"})
    if not files or len(files) > 5:
        raise ApiError(400, "invalid", "每次上传1至5个文件", {"files": "每次上传1至5个文件"})
    try:
        cleaned = [clean_material(f, label=material.name) for f in files]
        actions.upload_as_applicant(application, {material.pk: cleaned})
    except UploadError as exc:
        raise ApiError(400, "invalid", str(exc), {"files": str(exc)}) from exc
    except TransitionError as exc:
        raise ApiError(409, "not_allowed", str(exc)) from exc
    application.refresh_from_db()
    return {
        "status": application.status,
        "status_label": application.get_status_display(),
        "materials": _materials(application),
    }


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
