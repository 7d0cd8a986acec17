"""Reading the catalogue: versions in force, bundles merged, reductions computed from item data.

Reductions (一件事 减环节/减时间/减材料/减跑动): for one bundle each is `1 − bundle / Σ items`,
where the items' side counts, per member item in force: its steps, its promised limit in
working days, the materials the applicant must bring for it alone (required, in every 情形,
source 申请人提供), and its visits. The bundle's side: its own steps, promised limit and
visits, and its merged materials (below). The county figure is a **ratio of sums** over the
active bundles: `1 − Σ bundle / Σ items` — every item counted once per bundle it is in.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet

from mashang.deadlines.calendar import SHANGHAI, add_working_days

from .choices import MaterialSource, VersionStatus
from .models import (
    Bundle,
    BundleItem,
    BundleStep,
    CaseQuestion,
    Item,
    ItemVersion,
    Material,
    MaterialType,
    Step,
    VersionField,
)


def today() -> date:
    return datetime.now(SHANGHAI).date()


def in_force(on: date | None = None) -> Q:
    """Versions valid on `on`: published, started, not yet ended. At most one per item."""
    on = on or today()
    return Q(status=VersionStatus.PUBLISHED, effective_from__lte=on) & (
        Q(effective_to__isnull=True) | Q(effective_to__gt=on)
    )


def current_version(item: Item, on: date | None = None) -> ItemVersion | None:
    """The item's version in force on `on` (today by default), or None if none is."""
    return item.versions.filter(in_force(on)).order_by("-effective_from", "-number").first()


def current_versions(items: QuerySet | list | None = None, on: date | None = None) -> dict:
    """{item_id: ItemVersion} for the items (all items if None), in one query."""
    qs = ItemVersion.objects.filter(in_force(on))
    if items is not None:
        ids = [i.pk for i in items] if isinstance(items, list) else items.values("pk")
        qs = qs.filter(item_id__in=ids)
    return {v.item_id: v for v in qs.order_by("effective_from", "number")}


def published_items(on: date | None = None) -> QuerySet:
    """Items that have a version in force (the public catalogue)."""
    return Item.objects.filter(
        pk__in=ItemVersion.objects.filter(in_force(on)).values("item_id"), retired_on__isnull=True
    ).select_related("unit")


def items_for(user) -> QuerySet:
    """The items a member of staff keeps: all for the service centre and administrators,
    their own unit's for any other unit's 事项管理员, none otherwise."""
    from mashang.directory.choices import Role

    from .workflow import manages_all

    if manages_all(user):
        return Item.objects.all()
    if user.has_role(Role.CATALOG_ADMIN) and user.unit_id:
        return Item.objects.filter(unit_id=user.unit_id)
    return Item.objects.none()


def version_by_number(item: Item, number: int) -> ItemVersion:
    """A specific version, published or not: what a filed application points at."""
    return item.versions.get(number=number)


def latest_draft(item: Item) -> ItemVersion | None:
    return item.versions.filter(status=VersionStatus.DRAFT).first()


def version_detail_qs() -> QuerySet:
    """Versions with every child loaded, for detail pages, exports and merges."""
    return ItemVersion.objects.select_related("item", "item__unit").prefetch_related(
        "legal_bases",
        Prefetch("materials", queryset=Material.objects.select_related("material_type")),
        "materials__case_options",
        "steps",
        Prefetch("form_fields", queryset=VersionField.objects.select_related("field")),
        Prefetch("questions", queryset=CaseQuestion.objects.prefetch_related("options")),
        "produces",
    )


def due_date(version: ItemVersion, accepted_at: datetime) -> datetime:
    """When a promised item accepted at `accepted_at` must be done, on our working calendar."""
    return add_working_days(accepted_at, version.promised_limit_days)


# --- bundles ----------------------------------------------------------------------------------


def base_materials(version: ItemVersion) -> list[Material]:
    """Materials needed in every 情形 and required (what a count of "materials" counts)."""
    return [m for m in version.materials.all() if m.required and not m.case_options.all()]


def applicant_material_count(version: ItemVersion) -> int:
    """Materials the applicant brings when doing this item alone."""
    return sum(1 for m in base_materials(version) if m.source == MaterialSource.APPLICANT)


@dataclass
class MergedMaterial:
    material_type: MaterialType
    name: str
    form: str
    copies: int
    required: bool
    may_be_missing: bool
    always: bool  # needed in every 情形
    item_names: list[str] = field(default_factory=list)
    case_option_ids: set[int] = field(default_factory=set)
    dropped: str = ""  # why the applicant need not bring it; empty when they must
    e_license: str = ""  # the 电子证照 type the window can fetch instead of a paper copy

    @property
    def brought(self) -> bool:
        return not self.dropped


@dataclass
class MergedField:
    field: object  # FormField
    required: bool
    item_names: list[str]


@dataclass
class Reduction:
    key: str
    label: str
    unit: str
    bundle_value: int
    items_value: int

    @property
    def rate(self) -> Decimal | None:
        """1 − bundle / items, or None when the items have nothing to reduce."""
        if not self.items_value:
            return None
        return 1 - Decimal(self.bundle_value) / Decimal(self.items_value)

    @property
    def percent(self) -> Decimal | None:
        """The reduction in percent, one decimal (78.5)."""
        rate = self.rate
        return None if rate is None else (rate * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def arithmetic(self) -> str:
        if self.percent is None:
            return "—"
        return (
            f"1 − {self.bundle_value}{self.unit} ÷ {self.items_value}{self.unit} = {self.percent}%"
        )


REDUCTION_LABELS = [
    ("steps", "减环节", "个"),
    ("time", "减时间", "个工作日"),
    ("materials", "减材料", "份"),
    ("visits", "减跑动", "次"),
]


@dataclass
class BundleView:
    """A bundle read through the versions of its items in force on one date."""

    bundle: Bundle
    members: list[BundleItem]
    versions: list[ItemVersion]  # in member order; members without a version in force skipped
    steps: list[BundleStep]
    missing: list[Item]  # members with no version in force (retired): left out of every figure

    def merged_fields(self) -> list[MergedField]:
        """One form: each dictionary field once, required if any item requires it."""
        merged: dict[int, MergedField] = {}
        for v in self.versions:
            for vf in v.form_fields.all():
                m = merged.get(vf.field_id)
                if m is None:
                    merged[vf.field_id] = MergedField(vf.field, vf.required, [v.name])
                else:
                    m.required = m.required or vf.required
                    m.item_names.append(v.name)
        return sorted(merged.values(), key=lambda m: (m.field.sort_order, m.field.pk))

    def merged_materials(self) -> list[MergedMaterial]:
        """One set: each material type once; produced inside the bundle or shared → dropped."""
        merged: dict[int, MergedMaterial] = {}
        for v in self.versions:
            for m in v.materials.all():
                options = {o.pk for o in m.case_options.all()}
                mm = merged.get(m.material_type_id)
                if mm is None:
                    mm = merged[m.material_type_id] = MergedMaterial(
                        material_type=m.material_type,
                        name=m.name,
                        form=m.get_form_display(),
                        copies=m.copies,
                        required=m.required,
                        may_be_missing=m.may_be_missing,
                        always=not options,
                        case_option_ids=options,
                    )
                    mm._sources = set()
                else:
                    mm.copies = max(mm.copies, m.copies)
                    mm.required = mm.required or m.required
                    # 容缺 for the bundle only if every item allows it to be missing.
                    mm.may_be_missing = mm.may_be_missing and m.may_be_missing
                    mm.always = mm.always or not options
                    mm.case_option_ids |= options
                mm.item_names.append(v.name)
                mm._sources.add(m.source)
        produced: dict[int, str] = {}
        for v in self.versions:
            for t in v.produces.all():
                produced.setdefault(t.pk, v.name)
        out = []
        for type_id, mm in merged.items():
            t = mm.material_type
            if type_id in produced:
                mm.dropped = f"由本一件事中的“{produced[type_id]}”办理结果提供"
            elif t.government_holds or MaterialSource.GOVERNMENT in mm._sources:
                mm.dropped = "政府部门已掌握，共享获取"
            # A 电子证照 is still a material (shown or fetched at the window): it stays counted.
            mm.e_license = t.e_license_type
            if mm.always:
                mm.case_option_ids = set()
            del mm._sources
            out.append(mm)
        return out

    @property
    def reductions(self) -> dict[str, Reduction]:
        items = {
            "steps": sum(len(v.steps.all()) for v in self.versions),
            "time": sum(v.promised_limit_days for v in self.versions),
            "materials": sum(applicant_material_count(v) for v in self.versions),
            "visits": sum(v.visits for v in self.versions),
        }
        bundle = {
            "steps": len(self.steps),
            "time": self.bundle.promised_limit_days,
            "materials": sum(
                1 for m in self.merged_materials() if m.brought and m.required and m.always
            ),
            "visits": self.bundle.visits,
        }
        return {
            key: Reduction(key, label, unit, bundle[key], items[key])
            for key, label, unit in REDUCTION_LABELS
        }


def _version_prefetch_qs() -> QuerySet:
    return ItemVersion.objects.prefetch_related(
        Prefetch("materials", queryset=Material.objects.select_related("material_type")),
        "materials__case_options",
        Prefetch("steps", queryset=Step.objects.all()),
        Prefetch("form_fields", queryset=VersionField.objects.select_related("field")),
        "produces",
    )


def bundle_views(bundles: QuerySet | list | None = None, on: date | None = None) -> list:
    """BundleView for each bundle (active ones if None), loading everything in a few queries."""
    if bundles is None:
        bundles = Bundle.objects.filter(is_active=True)
    bundles = list(
        bundles.prefetch_related(
            Prefetch("members", queryset=BundleItem.objects.select_related("item")), "steps"
        )
        if isinstance(bundles, QuerySet)
        else bundles
    )
    item_ids = {m.item_id for b in bundles for m in b.members.all()}
    versions = {
        v.item_id: v
        for v in _version_prefetch_qs()
        .filter(in_force(on), item_id__in=item_ids)
        .order_by("effective_from", "number")
    }
    views = []
    for b in bundles:
        members = list(b.members.all())
        views.append(
            BundleView(
                bundle=b,
                members=members,
                versions=[versions[m.item_id] for m in members if m.item_id in versions],
                steps=list(b.steps.all()),
                missing=[m.item for m in members if m.item_id not in versions],
            )
        )
    return views


def bundle_view(bundle: Bundle, on: date | None = None) -> BundleView:
    return bundle_views(Bundle.objects.filter(pk=bundle.pk), on)[0]


@dataclass
class CountyReductions:
    bundles: int
    online_bundles: int
    reductions: dict[str, Reduction]

    @property
    def online_percent(self) -> Decimal | None:
        if not self.bundles:
            return None
        return (Decimal(100 * self.online_bundles) / self.bundles).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


AGGREGATION_RULE = "全县数字 = 1 − 各一件事合计 ÷ 所含事项合计（合计之比，非各项比例的平均）"


def county_reductions(on: date | None = None) -> CountyReductions:
    """The county's figures: a ratio of sums over the active bundles (see AGGREGATION_RULE)."""
    views = bundle_views(None, on)
    totals = {key: [0, 0] for key, _l, _u in REDUCTION_LABELS}
    for view in views:
        for key, r in view.reductions.items():
            totals[key][0] += r.bundle_value
            totals[key][1] += r.items_value
    return CountyReductions(
        bundles=len(views),
        online_bundles=sum(1 for v in views if v.bundle.online),
        reductions={
            key: Reduction(key, label, unit, *totals[key]) for key, label, unit in REDUCTION_LABELS
        },
    )


# The catalogue's version for the cached figures: replaced on any change (bump_figures_version).
FIGURES_VERSION_KEY = "catalog-figures:version"


def bump_figures_version(**_signal) -> None:
    """A catalogue change: the figures are counted again. Now (so the writing transaction and
    the tests see it), and again once committed — a page read between the two counted the
    old rows under the new version. Connected to every catalogue model's writes (apps.py):
    the actions and the import end by saving a CatalogEvent; the demo's bulk writes call it."""
    from django.core.cache import cache
    from django.db import transaction

    cache.set(FIGURES_VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(FIGURES_VERSION_KEY, uuid.uuid4().hex, None))


def catalog_figures(on: date | None = None) -> dict:
    """The catalogue part of `stats --json` and the statistics pages (cached until a change:
    one cache read, no query, while the catalogue stays as it is)."""
    from django.core.cache import cache

    on = on or today()
    key = f"catalog-figures:{on}"
    got = cache.get_many([FIGURES_VERSION_KEY, key])
    version = got.get(FIGURES_VERSION_KEY)
    cached = got.get(key)
    if version is not None and cached is not None and cached[0] == version:
        return cached[1]
    if version is None:  # none yet (or the cache was emptied): start one, unless a change did
        version = uuid.uuid4().hex
        if not cache.add(FIGURES_VERSION_KEY, version, None):
            version = None
    figures = _catalog_figures(on)
    if version is not None:
        cache.set(key, (version, figures), 3600)
    return figures


def _catalog_figures(on: date) -> dict:
    from .choices import HandlingLevel

    items = published_items(on)
    by_level = {level: 0 for level in HandlingLevel.values}
    for row in (
        ItemVersion.objects.filter(in_force(on), item__retired_on__isnull=True)
        .values_list("level", flat=True)
        .iterator()
    ):
        by_level[row] = by_level.get(row, 0) + 1
    county = county_reductions(on)
    return {
        "units": items.values("unit_id").distinct().count(),
        "items": items.count(),
        "items_by_level": by_level,
        "bundles": county.bundles,
        "reductions": {
            key: float(r.percent) if r.percent is not None else None
            for key, r in county.reductions.items()
        },
        "reduction_sums": {
            key: {"bundles": r.bundle_value, "items": r.items_value}
            for key, r in county.reductions.items()
        },
        "online": float(county.online_percent) if county.online_percent is not None else None,
        "aggregation": "ratio_of_sums",
        "reduction_list": [
            {
                "key": key,
                "label": r.label,
                "percent": float(r.percent) if r.percent is not None else None,
                "bundles": r.bundle_value,
                "items": r.items_value,
            }
            for key, r in county.reductions.items()
        ],
    }
