"""Public, read-only JSON for the catalogue: items and 一件事 bundles (with their reductions).

Rate-limited per client address (300 requests a minute). Items are listed as they are in
force today; `GET /catalog/items/{code}?version=N` reads any published version.
"""

from datetime import date

from django.db.models import Q
from ninja import Field, Path, Query, Router, Schema

from mashang.api.errors import ApiError, responses
from mashang.core.audit import client_ip
from mashang.core.ratelimit import RateLimited, check

from .choices import HandlingLevel, ItemKind, VersionStatus
from .models import Bundle, Item
from .queries import (
    AGGREGATION_RULE,
    bundle_views,
    current_versions,
    published_items,
    version_detail_qs,
)

router = Router(tags=["事项库（公开）"])

PER_MINUTE = 300
MAX_PAGE = 100_000


def _limit(request) -> None:
    try:
        check(
            [(f"catalog-api:{client_ip(request) or '-'}", PER_MINUTE, 60)],
            "请求太频繁，请一分钟后再试。",
        )
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", exc.message) from exc


class ItemOut(Schema):
    code: str = Field(description="实施编码")
    basic_code: str = Field(description="基本编码")
    name: str
    kind: str
    kind_label: str
    unit: str = Field(description="实施单位")
    level: str = Field(description="办理层级：county / township / village")
    level_label: str
    version: int = Field(description="现行版本号")
    effective_from: date
    item_type: str = Field(description="instant 即办件 / promised 承诺件")
    legal_limit_days: int = Field(description="法定时限（工作日）")
    promised_limit_days: int = Field(description="承诺时限（工作日）")
    visits: int = Field(description="到现场次数")
    online: bool


class LegalBasisOut(Schema):
    law: str
    article: str
    text: str


class MaterialOut(Schema):
    name: str
    type_code: str
    form: str
    copies: int
    required: bool
    may_be_missing: bool = Field(description="可容缺")
    source: str = Field(description="applicant / e_license / government")
    case_options: list[str] = Field(description="只在这些情形下需要；空为总是需要")
    blank_form: str | None = Field(description="空白表格下载地址")


class StepOut(Schema):
    name: str
    kind: str
    limit_days: int


class FieldOut(Schema):
    code: str
    label: str
    kind: str
    required: bool


class QuestionOut(Schema):
    text: str
    options: list[str]


class ItemDetail(ItemOut):
    status: str = Field(description="该版本状态：published / retired")
    effective_to: date | None
    conditions: str
    result_name: str
    channels: list[str]
    fee_charged: bool
    fee_amount: str
    fee_basis: str
    delegated_to: str
    scope: str
    office_address: str
    office_hours: str
    phone: str
    legal_bases: list[LegalBasisOut]
    materials: list[MaterialOut]
    steps: list[StepOut]
    form_fields: list[FieldOut]
    questions: list[QuestionOut]
    versions: list[int] = Field(description="所有已发布版本的版本号")


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ItemOut]


class ItemFilters(Schema):
    q: str | None = Field(None, max_length=50, description="名称或编码包含的文字")
    unit: int | None = Field(None, ge=1, le=2**31 - 1, description="实施单位 id")
    level: HandlingLevel | None = Field(None, description="办理层级")
    kind: ItemKind | None = Field(None, description="事项类型")
    bundle: str | None = Field(None, max_length=40, description="一件事代码")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=100)


def _item_out(item: Item, v) -> dict:
    return {
        "code": item.code,
        "basic_code": item.basic_code,
        "name": v.name,
        "kind": v.kind,
        "kind_label": v.get_kind_display(),
        "unit": item.unit.name,
        "level": v.level,
        "level_label": v.get_level_display(),
        "version": v.number,
        "effective_from": v.effective_from,
        "item_type": v.item_type,
        "legal_limit_days": v.legal_limit_days,
        "promised_limit_days": v.promised_limit_days,
        "visits": v.visits,
        "online": v.online,
    }


@router.get(
    "/items",
    response={200: ItemPage, **responses(400, 429)},
    auth=None,
    summary="事项列表（现行版本，可按名称/编码、单位、层级、类型、一件事筛选）",
)
def list_items(request, filters: Query[ItemFilters]):
    _limit(request)
    qs = published_items()
    if filters.q:
        qs = qs.filter(Q(name__contains=filters.q) | Q(code__contains=filters.q))
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.bundle:
        qs = qs.filter(bundles__code=filters.bundle)
    qs = qs.order_by("code")
    size, page = filters.page_size, filters.page
    count = qs.count()
    items = list(qs[(page - 1) * size : page * size])
    versions = current_versions(items)
    return {
        "count": count,
        "page": page,
        "page_size": size,
        "items": [_item_out(i, versions[i.pk]) for i in items if i.pk in versions],
    }


@router.get(
    "/items/{code}",
    response={200: ItemDetail, **responses(400, 404, 429)},
    auth=None,
    summary="事项详情（现行版本；?version=N 读取任一已发布版本）",
)
def get_item(
    request,
    code: Path[str],
    version: Query[int | None] = None,
):
    _limit(request)
    item = Item.objects.select_related("unit").filter(code=code[:40]).first()
    if item is None:
        raise ApiError(404, "not_found", "没有这个事项。")
    published = version_detail_qs().filter(
        item=item, status__in=[VersionStatus.PUBLISHED, VersionStatus.RETIRED]
    )
    if version is not None:
        v = published.filter(number=version).first() if 0 < version < 2**31 else None
    else:
        current = current_versions([item]).get(item.pk)
        v = published.filter(pk=current.pk).first() if current else None
    if v is None:
        raise ApiError(404, "not_found", "没有这个版本，或该事项当前没有有效版本。")
    data = _item_out(item, v)
    data.update(
        status=v.status,
        effective_to=v.effective_to,
        conditions=v.conditions,
        result_name=v.result_name,
        channels=v.channels,
        fee_charged=v.fee_charged,
        fee_amount=str(v.fee_amount),
        fee_basis=v.fee_basis,
        delegated_to=v.delegated_to,
        scope=v.scope,
        office_address=v.office_address,
        office_hours=v.office_hours,
        phone=v.phone,
        legal_bases=[
            {"law": b.law, "article": b.article, "text": b.text} for b in v.legal_bases.all()
        ],
        materials=[
            {
                "name": m.name,
                "type_code": m.material_type.code,
                "form": m.form,
                "copies": m.copies,
                "required": m.required,
                "may_be_missing": m.may_be_missing,
                "source": m.source,
                "case_options": [o.label for o in m.case_options.all()],
                "blank_form": request.build_absolute_uri(m.blank_form.url)
                if m.blank_form
                else None,
            }
            for m in v.materials.all()
        ],
        steps=[{"name": s.name, "kind": s.kind, "limit_days": s.limit_days} for s in v.steps.all()],
        form_fields=[
            {
                "code": f.field.code,
                "label": f.field.label,
                "kind": f.field.kind,
                "required": f.required,
            }
            for f in v.form_fields.all()
        ],
        questions=[
            {"text": q.text, "options": [o.label for o in q.options.all()]}
            for q in v.questions.all()
        ],
        versions=list(
            item.versions.filter(status__in=[VersionStatus.PUBLISHED, VersionStatus.RETIRED])
            .order_by("number")
            .values_list("number", flat=True)
        ),
    )
    return data


class ReductionOut(Schema):
    key: str = Field(description="steps / time / materials / visits")
    label: str
    bundle_value: int = Field(description="一件事的环节数、承诺时限、材料数或到现场次数")
    items_value: int = Field(description="所含事项单独办理时的合计")
    percent: float | None = Field(description="1 − bundle_value ÷ items_value，百分数，一位小数")
    arithmetic: str


class BundleOut(Schema):
    id: int
    code: str
    name: str
    lead_unit: str
    topics: list[str]
    promised_limit_days: int
    visits: int
    online: bool
    items: list[str] = Field(description="所含事项的实施编码")
    reductions: list[ReductionOut]


class MergedMaterialOut(Schema):
    name: str
    type_code: str
    copies: int
    required: bool
    may_be_missing: bool
    always: bool = Field(description="所有情形都需要")
    items: list[str] = Field(description="需要它的事项名称")
    dropped: str = Field(description="无需提交的原因；空为需要提交")


class MergedFieldOut(Schema):
    code: str
    label: str
    kind: str
    required: bool


class BundleDetail(BundleOut):
    description: str
    steps: list[StepOut]
    materials: list[MergedMaterialOut]
    form_fields: list[MergedFieldOut]


class BundleList(Schema):
    count: int
    aggregation: str = Field(description="全县减幅的汇总规则")
    county: list[ReductionOut] = Field(description="全县减幅（合计之比）")
    online_percent: float | None
    items: list[BundleOut]


def _reductions(reductions: dict) -> list[dict]:
    return [
        {
            "key": r.key,
            "label": r.label,
            "bundle_value": r.bundle_value,
            "items_value": r.items_value,
            "percent": float(r.percent) if r.percent is not None else None,
            "arithmetic": r.arithmetic,
        }
        for r in reductions.values()
    ]


def _bundle_out(view) -> dict:
    b = view.bundle
    return {
        "id": b.pk,
        "code": b.code,
        "name": b.name,
        "lead_unit": b.lead_unit.name,
        "topics": [t.name for t in b.topics.all()],
        "promised_limit_days": b.promised_limit_days,
        "visits": b.visits,
        "online": b.online,
        "items": [m.item.code for m in view.members],
        "reductions": _reductions(view.reductions),
    }


def _bundles_qs():
    return (
        Bundle.objects.filter(is_active=True).select_related("lead_unit").prefetch_related("topics")
    )


@router.get(
    "/bundles",
    response={200: BundleList, **responses(400, 429)},
    auth=None,
    summary="一件事列表，含各自减幅与全县减幅",
)
def list_bundles(request):
    _limit(request)
    from .queries import county_reductions

    views = bundle_views(_bundles_qs())
    county = county_reductions()
    return {
        "count": len(views),
        "aggregation": AGGREGATION_RULE,
        "county": _reductions(county.reductions),
        "online_percent": float(county.online_percent)
        if county.online_percent is not None
        else None,
        "items": [_bundle_out(v) for v in views],
    }


@router.get(
    "/bundles/{bundle_id}",
    response={200: BundleDetail, **responses(400, 404, 429)},
    auth=None,
    summary="一件事详情：一张表单、一套材料、合并环节与减幅",
)
def get_bundle(request, bundle_id: Path[int]):
    _limit(request)
    if not 0 < bundle_id < 2**63:
        raise ApiError(404, "not_found", "没有这个一件事。")
    views = bundle_views(_bundles_qs().filter(pk=bundle_id))
    if not views:
        raise ApiError(404, "not_found", "没有这个一件事。")
    view = views[0]
    data = _bundle_out(view)
    data.update(
        description=view.bundle.description,
        steps=[{"name": s.name, "kind": "bundle", "limit_days": s.limit_days} for s in view.steps],
        materials=[
            {
                "name": m.name,
                "type_code": m.material_type.code,
                "copies": m.copies,
                "required": m.required,
                "may_be_missing": m.may_be_missing,
                "always": m.always,
                "items": m.item_names,
                "dropped": m.dropped,
            }
            for m in view.merged_materials()
        ],
        form_fields=[
            {
                "code": f.field.code,
                "label": f.field.label,
                "kind": f.field.kind,
                "required": f.required,
            }
            for f in view.merged_fields()
        ],
    )
    return data
