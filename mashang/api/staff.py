"""Staff endpoints: the same restricted querysets and action functions as the pages."""

from datetime import datetime
from typing import Annotated, Literal, get_args

from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict

from mashang.appeals import actions
from mashang.appeals.models import Appeal, AppealEvent, ExtensionRequest
from mashang.appeals.queries import appeals_for
from mashang.appeals.workflow import TransitionError
from mashang.core.text import CleanMultiline
from mashang.directory.models import Unit

from .auth import StaffToken
from .errors import ApiError, responses
from .intake import router as appeals_router

router = Router(tags=["诉求办理（工作人员）"], auth=StaffToken())


class AppealItem(Schema):
    id: int
    number: str
    status: str
    status_label: str
    type: str
    kind: str
    division: str
    lead_unit: str | None
    received_at: datetime


class EventOut(Schema):
    at: datetime
    kind: str
    old_status: str
    new_status: str
    note: str
    public_text: str
    actor: str | None


class AppealDetail(AppealItem):
    content: str
    place_description: str
    result_text: str
    rating: str
    public_reason: str
    events: list[EventOut]


class Page(Schema):
    count: int = Field(description="符合条件的总条数")
    page: int
    page_size: int
    items: list[AppealItem]


# Bounded so that an absurd page cannot overflow the database's integers.
MAX_PAGE = 100_000


class ListFilters(Schema):
    status: str | None = Field(None, description="状态代码，如 pending_dispatch")
    type: str | None = Field(None, description="诉求类型代码，如 complaint")
    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
    page_size: int = Field(50, ge=1, le=100, description="每页条数，最多 100")


def _item(a: Appeal) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "status": a.status,
        "status_label": a.get_status_display(),
        "type": a.type,
        "kind": a.kind,
        "division": a.division.name,
        "lead_unit": a.lead_unit.name if a.lead_unit else None,
        "received_at": a.received_at,
    }


def _get(request, pk: int) -> Appeal:
    from django.http import Http404

    from mashang.appeals.queries import get_appeal_for_user

    try:
        return get_appeal_for_user(request.auth, pk, request=request)
    except Http404 as exc:
        raise ApiError(404, "not_found", "没有找到这条诉求，或您无权查看") from exc


ERRORS = responses(400, 401, 404, 409, 429)
# Database ids fit in a signed 64-bit integer: larger numbers are refused before any query.
MAX_ID = 2**63 - 1
AppealId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _json_integer(value):
    # JSON Schema's integer: 7 or 7.0, never "7" or true (which pydantic would coerce).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("应为整数")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=False), BeforeValidator(_json_integer)]
Action = Literal[
    "dispatch",
    "accept",
    "return",
    "extend",
    "endorse-extension",
    "decide-extension",
    "ask",
    "reply",
    "callback",
    "invalidate",
    "merge",
    "accept-accusation",
    "conclude-accusation",
    "note",
]
ACTIONS = list(get_args(Action))


# GET /appeals shares its path with the public POST /appeals: one router must hold both.
@appeals_router.get(
    "/appeals",
    response={200: Page, **responses(400, 401, 429)},
    auth=StaffToken(),
    tags=["诉求办理（工作人员）"],
    summary="我可见的诉求（分页）",
)
def list_appeals(request, filters: Query[ListFilters]):
    qs = appeals_for(request.auth).select_related("division", "lead_unit").order_by("-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.type:
        qs = qs.filter(type=filters.type)
    size, page = filters.page_size, filters.page
    count = qs.count()
    rows = qs[(page - 1) * size : page * size]
    return {"count": count, "page": page, "page_size": size, "items": [_item(a) for a in rows]}


@router.get(
    "/appeals/{appeal_id}",
    response={200: AppealDetail, **ERRORS},
    summary="诉求详情（含内部记录）",
)
def get_appeal(request, appeal_id: AppealId):
    appeal = _get(request, appeal_id)
    events = [
        {
            "at": e.at,
            "kind": e.kind,
            "old_status": e.old_status,
            "new_status": e.new_status,
            "note": e.note,
            "public_text": e.public_text,
            "actor": e.actor.display_name if e.actor else None,
        }
        for e in AppealEvent.objects.filter(appeal=appeal).select_related("actor")
    ]
    return {
        **_item(appeal),
        "content": appeal.content,
        "place_description": appeal.place_description,
        "result_text": appeal.result_text,
        "rating": appeal.rating,
        "public_reason": appeal.public_reason,
        "events": events,
    }


def _text_only(value):
    if value is not None and not isinstance(value, str):
        raise ValueError("应为 ISO 8601 日期时间字符串")
    return value


class ActionIn(Schema):
    """The fields every action may read. Types are strict: `"approve": 0` or `"1"` for an id is
    refused rather than guessed at, as the OpenAPI file says."""

    model_config = ConfigDict(strict=True)

    lead_unit_id: Id | None = None
    urgency: str = Field("normal", description="派单时的紧急程度：normal、urgent 或 complex")
    co_unit_ids: list[Id] = Field([], max_length=20)
    note: CleanMultiline = ""
    reason: CleanMultiline = ""
    # JSON has no date type: an ISO 8601 string is parsed, a number is refused.
    new_due: Annotated[datetime, Field(strict=False), BeforeValidator(_text_only)] | None = None
    result: CleanMultiline = ""
    rating: str = ""
    solved: bool | None = Field(None, description="回访：问题是否解决（必填，不设默认值）")
    rehandle: bool = False
    original_id: Id | None = None
    extension_id: Id | None = None
    approve: bool = True
    feedback: CleanMultiline = ""
    question: CleanMultiline = ""


def _run(name: str, appeal: Appeal, body: ActionIn, user):
    def extension() -> ExtensionRequest:
        ext = appeal.extensions.filter(pk=body.extension_id or 0).first()
        if ext is None:
            raise ApiError(400, "invalid", "没有找到这份延期申请", {"extension_id": "不存在"})
        return ext

    if name == "dispatch":
        lead = Unit.objects.filter(pk=body.lead_unit_id or 0).first()
        if lead is None:
            raise ApiError(400, "invalid", "请选择主办单位", {"lead_unit_id": "不存在"})
        co = list(Unit.objects.filter(pk__in=body.co_unit_ids))
        return actions.dispatch_appeal(
            appeal, lead, co_units=co, note=body.note, urgency=body.urgency, acting_user=user
        )
    if name == "accept":
        return actions.accept_appeal(appeal, acting_user=user)
    if name == "return":
        return actions.return_appeal(appeal, body.reason, acting_user=user)
    if name == "extend":
        if body.new_due is None:
            raise ApiError(400, "invalid", "请填写延期后的期限", {"new_due": "缺少此项"})
        return actions.request_extension(appeal, body.reason, body.new_due, acting_user=user)
    if name == "endorse-extension":
        return actions.endorse_extension(
            extension(), body.approve, note=body.note, acting_user=user
        )
    if name == "decide-extension":
        return actions.decide_extension(extension(), body.approve, note=body.note, acting_user=user)
    if name == "ask":
        return actions.ask_citizen(appeal, body.question, acting_user=user)
    if name == "reply":
        return actions.reply_appeal(appeal, body.result, acting_user=user)
    if name == "callback":
        return actions.record_callback(
            appeal,
            body.rating,
            body.solved,
            rehandle=body.rehandle,
            note=body.note,
            acting_user=user,
        )
    if name == "invalidate":
        return actions.invalidate_appeal(appeal, body.reason, acting_user=user)
    if name == "merge":
        original = appeals_for(user).filter(pk=body.original_id or 0).first()
        if original is None:
            raise ApiError(400, "invalid", "请指定原诉求", {"original_id": "不存在"})
        return actions.merge_appeal(appeal, original, acting_user=user)
    if name == "accept-accusation":
        return actions.accept_accusation(appeal, acting_user=user)
    if name == "conclude-accusation":
        return actions.conclude_accusation(appeal, body.feedback, acting_user=user)
    if name == "note":
        return actions.add_note(appeal, body.note, acting_user=user)
    raise AssertionError(name)  # `Action` lists every name handled above


@router.post(
    "/appeals/{appeal_id}/{action}",
    response={200: AppealItem, **ERRORS},
    summary="执行办理操作：" + "、".join(ACTIONS),
    description="每个操作读取 body 中与之相关的字段；状态或角色不允许时为 409。",
)
def act(request, appeal_id: AppealId, action: Path[Action], body: ActionIn):
    appeal = _get(request, appeal_id)
    try:
        _run(action, appeal, body, request.auth)
    except TransitionError as exc:
        raise ApiError(409, "not_allowed", str(exc)) from exc
    appeal.refresh_from_db()
    return Status(200, _item(appeal))
