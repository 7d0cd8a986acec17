"""POST /api/v1/appeals: the citizen's form as JSON, with the same rules and errors."""

from django.conf import settings
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from mashang.appeals import intake
from mashang.appeals.choices import AppealType
from mashang.appeals.models import IntakeDraft
from mashang.core.audit import client_ip
from mashang.core.ratelimit import RateLimited
from mashang.core.text import CleanMultiline, CleanStr
from mashang.qrcodes.models import Placement

from .errors import ApiError, ErrorOut

router = Router(tags=["诉求提交"])


class AppealIn(Schema):
    # Required strings are non-empty: a form sends an empty field as if it were missing.
    code: str = Field(min_length=1, description="二维码的 token（海报上二维码网址的最后一段）")
    type: AppealType
    content: CleanMultiline = Field(min_length=1, description="诉求内容，10 到 2000 字")
    client_token: str = Field(min_length=1, description="客户端生成的幂等键：重试时不变")
    place_description: CleanStr = ""
    name: CleanStr = ""
    phone: CleanStr = ""
    id_number: CleanStr = ""
    anonymous: bool = False


class FiledOut(Schema):
    number: str
    status: str
    query_code: str | None = None
    message: str


class PendingOut(Schema):
    draft: str
    masked_phone: str
    message: str
    demo_sms_code: str | None = None


class ConfirmIn(Schema):
    draft: str
    sms_code: str


class DraftIn(Schema):
    draft: str


ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut, 429: ErrorOut}


def _placement(code: str) -> Placement:
    placement = (
        Placement.objects.select_related("division", "addressee_unit").filter(token=code).first()
    )
    if placement is None:
        raise ApiError(404, "unknown_code", "二维码无效")
    if not placement.is_active:
        raise ApiError(410, "retired_code", "此码已停用")
    return placement


def _filed(result: intake.IntakeResult) -> FiledOut:
    appeal = result.appeal
    return FiledOut(
        number=appeal.number,
        status=appeal.status,
        query_code=result.query_code,
        message="诉求已提交" if result.query_code else "此诉求此前已提交",
    )


def _invalid(exc: intake.IntakeError) -> ApiError:
    return ApiError(400, "invalid", next(iter(exc.errors.values())), exc.errors)


@router.post(
    "/appeals",
    response={201: FiledOut, 202: PendingOut, **ERRORS},
    summary="提交诉求（需短信验证码确认；匿名检举控告直接提交）",
)
def create_appeal(request, payload: Form[AppealIn], photos: File[list[UploadedFile]] = None):
    placement = _placement(payload.code)
    try:
        data = intake.validate_intake(
            type=payload.type,
            content=payload.content,
            place_description=payload.place_description,
            name=payload.name,
            phone=payload.phone,
            id_number=payload.id_number,
            anonymous=payload.anonymous,
            photos=photos or [],
        )
        result = intake.start_intake(
            placement, data, token=payload.client_token[:64], ip=client_ip(request), channel="api"
        )
    except intake.IntakeError as exc:
        raise _invalid(exc) from exc
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", exc.message) from exc
    if result.replayed:
        # Reveal nothing about an earlier submission to whoever replays its token.
        raise ApiError(
            409,
            "duplicate",
            "此 client_token 已经提交过；如在等待验证码，请直接调用 /appeals/confirm",
        )
    if result.appeal is not None:
        return Status(201, _filed(result))
    phone = result.draft.reporter_phone
    return Status(
        202,
        PendingOut(
            draft=result.draft.token,
            masked_phone=phone[:3] + "****" + phone[-4:],
            message="验证码已发送，请用 /appeals/confirm 提交验证码",
            demo_sms_code=result.sms_code if settings.DEMO_MODE else None,
        ),
    )


def _draft(token: str) -> IntakeDraft:
    draft = IntakeDraft.objects.select_related("appeal", "placement").filter(token=token).first()
    if draft is None:
        raise ApiError(404, "unknown_draft", "没有找到这份待提交的诉求")
    return draft


@router.post("/appeals/confirm", response={201: FiledOut, **ERRORS}, summary="用短信验证码确认提交")
def confirm_appeal(request, payload: ConfirmIn):
    draft = _draft(payload.draft)
    try:
        result = intake.confirm_intake(draft, payload.sms_code)
    except intake.IntakeError as exc:
        raise _invalid(exc) from exc
    return Status(201, _filed(result))


@router.post(
    "/appeals/resend-code", response={202: PendingOut, **ERRORS}, summary="重新获取短信验证码"
)
def resend_code(request, payload: DraftIn):
    draft = _draft(payload.draft)
    try:
        code = intake.resend_intake_code(draft, ip=client_ip(request))
    except intake.IntakeError as exc:
        raise _invalid(exc) from exc
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", exc.message) from exc
    phone = draft.reporter_phone
    return Status(
        202,
        PendingOut(
            draft=draft.token,
            masked_phone=phone[:3] + "****" + phone[-4:],
            message="新的验证码已发送",
            demo_sms_code=code if settings.DEMO_MODE else None,
        ),
    )
