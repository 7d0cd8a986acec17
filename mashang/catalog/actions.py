"""Every write to the catalogue: one transaction, an authorisation check, a `CatalogEvent` row.

Published versions are never edited: `create_draft` clones the latest version with all its
children, staff edit the draft, `publish_version` gives it an effective date and closes the
predecessor's validity period on that date.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .choices import VersionStatus
from .models import (
    Bundle,
    BundleItem,
    BundleStep,
    CaseOption,
    CaseQuestion,
    CatalogEvent,
    Item,
    ItemVersion,
    LegalBasis,
    Material,
    Step,
    VersionField,
)
from .queries import today, version_detail_qs
from .versions import SCALAR_FIELDS, diff, snapshot
from .workflow import CatalogError, authorize, manages_all, may_manage_item


def _event(action, *, actor, item=None, version=None, bundle=None, note="") -> CatalogEvent:
    return CatalogEvent.objects.create(
        action=action, actor=actor, item=item, version=version, bundle=bundle, note=note[:2000]
    )


def _messages(error: ValidationError) -> str:
    return "；".join(m for msgs in error.message_dict.values() for m in msgs)


@transaction.atomic
def create_item(*, unit, code, basic_code, name, kind, level, acting_user) -> ItemVersion:
    """A new item with an empty first draft."""
    probe = Item(unit=unit)
    if not may_manage_item(acting_user, probe):
        raise CatalogError("您只能为本单位新增事项。")
    if Item.objects.filter(code=code).exists():
        raise CatalogError(f"实施编码 {code} 已存在。")
    item = Item.objects.create(
        code=code, basic_code=basic_code, unit=unit, name=name, kind=kind, level=level
    )
    version = ItemVersion.objects.create(
        item=item, number=1, name=name, kind=kind, level=level, created_by=acting_user
    )
    _event("create", actor=acting_user, item=item, version=version, note=f"新增事项：{name}")
    return version


def _clone_children(source: ItemVersion, target: ItemVersion) -> None:
    LegalBasis.objects.bulk_create(
        [
            LegalBasis(version=target, law=b.law, article=b.article, text=b.text, order=b.order)
            for b in source.legal_bases.all()
        ]
    )
    Step.objects.bulk_create(
        [
            Step(
                version=target,
                kind=s.kind,
                name=s.name,
                limit_days=s.limit_days,
                description=s.description,
                order=s.order,
            )
            for s in source.steps.all()
        ]
    )
    VersionField.objects.bulk_create(
        [
            VersionField(version=target, field_id=f.field_id, required=f.required, order=f.order)
            for f in source.form_fields.all()
        ]
    )
    option_map: dict[int, CaseOption] = {}
    for q in source.questions.all():
        new_q = CaseQuestion.objects.create(
            version=target, text=q.text, multiple=q.multiple, order=q.order
        )
        for o in q.options.all():
            option_map[o.pk] = CaseOption.objects.create(
                question=new_q, label=o.label, order=o.order
            )
    for m in source.materials.all():
        options = [option_map[o.pk] for o in m.case_options.all() if o.pk in option_map]
        m_options = list(options)
        m.pk = None
        m.id = None
        m.version = target
        m._state.adding = True
        m.save()
        if m_options:
            m.case_options.set(m_options)
    target.produces.set(source.produces.all())


@transaction.atomic
def create_draft(item: Item, *, acting_user) -> ItemVersion:
    """Clone the latest version (with its children) into a new draft."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.versions.filter(status=VersionStatus.DRAFT).exists():
        raise CatalogError("该事项已有草稿，请先编辑或删除现有草稿。")
    latest = item.versions.order_by("-number").first()
    authorize(latest, "create_draft", acting_user)
    draft = ItemVersion.objects.get(pk=latest.pk)
    draft.pk = None
    draft.id = None
    draft._state.adding = True
    draft.number = latest.number + 1
    draft.status = VersionStatus.DRAFT
    draft.effective_from = draft.effective_to = None
    draft.created_by, draft.created_at = acting_user, timezone.now()
    draft.published_by = draft.published_at = None
    draft.change_note = ""
    draft.save()
    _clone_children(latest, draft)
    _event("draft", actor=acting_user, item=item, version=draft, note=f"由第{latest.number}版起草")
    return draft


@transaction.atomic
def update_draft(version: ItemVersion, changes: dict, *, acting_user) -> ItemVersion:
    """Change the draft's own elements (not its children); refused whole if anything is wrong."""
    version = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    authorize(version, "edit", acting_user)
    unknown = set(changes) - set(SCALAR_FIELDS) - {"change_note"}
    if unknown:
        raise CatalogError(f"不能修改：{'、'.join(sorted(unknown))}")
    labels = []
    for name, value in changes.items():
        if getattr(version, name) != value:
            labels.append(str(ItemVersion._meta.get_field(name).verbose_name))
            setattr(version, name, value)
    try:
        version.full_clean(exclude=["item", "created_by", "published_by"])
    except ValidationError as error:
        raise CatalogError(_messages(error)) from error
    version.save()
    if labels:
        _event(
            "edit",
            actor=acting_user,
            item=version.item,
            version=version,
            note=f"修改：{'、'.join(labels)}",
        )
    return version


def _replace_rows(version, model, rows: list[dict], label: str) -> None:
    """Replace a draft's children of one kind; `case_options` (materials) are set after."""
    objects, links = [], []
    for i, row in enumerate(rows):
        row = dict(row)
        links.append(row.pop("case_options", None))
        obj = model(version=version, order=i, **row)
        try:
            obj.full_clean(exclude=["version"])
        except ValidationError as error:
            raise CatalogError(f"{label}第{i + 1}行：{_messages(error)}") from error
        objects.append(obj)
    model.objects.filter(version=version).delete()
    objects = model.objects.bulk_create(objects)
    for obj, options in zip(objects, links, strict=True):
        if options:
            obj.case_options.set(options)


def _replace(version, model, rows: list[dict], *, acting_user, label: str) -> None:
    version = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    authorize(version, "edit", acting_user)
    _replace_rows(version, model, rows, label)
    _event("edit", actor=acting_user, item=version.item, version=version, note=f"修改：{label}")


@transaction.atomic
def edit_draft(
    version: ItemVersion,
    *,
    changes: dict,
    legal_bases: list[dict],
    steps: list[dict],
    materials: list[dict],
    acting_user,
) -> ItemVersion:
    """The staff edit page in one go: refused whole if any part is wrong; one audit row."""
    version = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    authorize(version, "edit", acting_user)
    before = snapshot(version)
    for name, value in changes.items():
        if name not in SCALAR_FIELDS and name != "change_note":
            raise CatalogError(f"不能修改：{name}")
        setattr(version, name, value)
    try:
        version.full_clean(exclude=["item", "created_by", "published_by"])
    except ValidationError as error:
        raise CatalogError(_messages(error)) from error
    version.save()
    _replace_rows(version, LegalBasis, legal_bases, "设定依据")
    _replace_rows(version, Step, steps, "办理环节")
    _replace_rows(version, Material, materials, "申请材料")
    version = version_detail_qs().get(pk=version.pk)
    after = snapshot(version)
    changed = [label for label, value in after.items() if before.get(label) != value]
    if changed:
        _event(
            "edit",
            actor=acting_user,
            item=version.item,
            version=version,
            note=f"修改：{'、'.join(changed)}",
        )
    return version


@transaction.atomic
def set_draft_steps(version: ItemVersion, rows: list[dict], *, acting_user) -> None:
    """Replace the draft's steps: rows of {kind, name, limit_days, description}."""
    _replace(version, Step, rows, acting_user=acting_user, label="办理环节")


@transaction.atomic
def set_draft_legal_bases(version: ItemVersion, rows: list[dict], *, acting_user) -> None:
    _replace(version, LegalBasis, rows, acting_user=acting_user, label="设定依据")


@transaction.atomic
def set_draft_materials(version: ItemVersion, rows: list[dict], *, acting_user) -> None:
    """Replace the draft's materials (their 情形 links are kept by position where given)."""
    _replace(version, Material, rows, acting_user=acting_user, label="申请材料")


@transaction.atomic
def set_draft_fields(version: ItemVersion, rows: list[dict], *, acting_user) -> None:
    """Replace the draft's form: rows of {field: FormField, required}."""
    _replace(version, VersionField, rows, acting_user=acting_user, label="表单字段")


@transaction.atomic
def set_draft_produces(version: ItemVersion, material_types, *, acting_user) -> None:
    """The material types this item's result provides to other items of a bundle."""
    version = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    authorize(version, "edit", acting_user)
    version.produces.set(material_types)
    _event(
        "edit", actor=acting_user, item=version.item, version=version, note="修改：结果可作为材料"
    )


@transaction.atomic
def discard_draft(version: ItemVersion, *, acting_user) -> None:
    version = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    authorize(version, "discard", acting_user)
    item = version.item
    if not item.versions.exclude(pk=version.pk).exists():
        raise CatalogError("这是事项的唯一版本，不能删除。")
    _event("discard", actor=acting_user, item=item, note=f"删除第{version.number}版草稿")
    version.delete()


def check_publishable(version: ItemVersion) -> list[str]:
    """What stops a draft from being published (Chinese, one line each); empty when ready."""
    problems = []
    if not version.steps.exists():
        problems.append("至少需要一个办理环节。")
    if not version.materials.exists():
        problems.append("至少需要一份申请材料。")
    if not version.legal_bases.exists():
        problems.append("至少需要一条设定依据。")
    step_days = sum(s.limit_days for s in version.steps.all())
    if step_days > version.promised_limit_days and version.promised_limit_days:
        problems.append(
            f"各环节时限合计{step_days}个工作日，超过承诺时限{version.promised_limit_days}个工作日。"
        )
    try:
        version.clean()
    except ValidationError as error:
        problems.append(_messages(error))
    return problems


@transaction.atomic
def publish_version(
    version: ItemVersion, *, effective_from: date, acting_user, note: str = ""
) -> ItemVersion:
    """Publish a draft from `effective_from` (today or later); the predecessor ends that day."""
    item = Item.objects.select_for_update().get(pk=version.item_id)
    version = ItemVersion.objects.select_related("item").get(pk=version.pk)
    authorize(version, "publish", acting_user)
    if effective_from < today():
        raise CatalogError("生效日期不能早于今天。")
    problems = check_publishable(version)
    if problems:
        raise CatalogError("".join(problems))
    published = item.versions.filter(status=VersionStatus.PUBLISHED)
    latest = published.order_by("-effective_from", "-number").first()
    if latest and latest.effective_from >= effective_from:
        raise CatalogError(
            f"生效日期须晚于第{latest.number}版的生效日期（{latest.effective_from:%Y-%m-%d}）。"
        )
    changes = diff(latest, version)
    if latest:
        # Closing the period is validity, not content: the old version stays as it was.
        latest.effective_to = effective_from
        latest.save(update_fields=["effective_to"])
    version.status = VersionStatus.PUBLISHED
    version.effective_from = effective_from
    version.published_by = acting_user
    version.published_at = timezone.now()
    if note:
        version.change_note = note[:200]
    version.save(
        update_fields=["status", "effective_from", "published_by", "published_at", "change_note"]
    )
    item.name, item.kind, item.level = version.name, version.kind, version.level
    item.retired_on = None
    item.save(update_fields=["name", "kind", "level", "retired_on"])
    summary = "、".join(c["label"] for c in changes) or "无内容变化"
    _event(
        "publish",
        actor=acting_user,
        item=item,
        version=version,
        note=f"发布第{version.number}版，{effective_from:%Y-%m-%d}起生效；变化：{summary}",
    )
    return version


@transaction.atomic
def retire_item(item: Item, *, on: date, acting_user, reason: str) -> None:
    """Withdraw an item from `on`: its version in force ends then; every version stays readable."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    latest = (
        item.versions.filter(status=VersionStatus.PUBLISHED)
        .order_by("-effective_from", "-number")
        .first()
    )
    if latest is None:
        raise CatalogError("该事项没有已发布的版本，无需废止。")
    authorize(latest, "retire", acting_user)
    if not reason.strip():
        raise CatalogError("请填写废止原因。")
    if on < today():
        raise CatalogError("废止日期不能早于今天。")
    if latest.effective_from > on:
        raise CatalogError("废止日期不能早于现行版本的生效日期。")
    latest.status = VersionStatus.RETIRED
    latest.effective_to = on
    latest.save(update_fields=["status", "effective_to"])
    item.retired_on = on
    item.save(update_fields=["retired_on"])
    _event("retire", actor=acting_user, item=item, version=latest, note=f"废止：{reason}")


def may_manage_bundles(user) -> bool:
    return manages_all(user)


@transaction.atomic
def save_bundle(bundle: Bundle, *, acting_user, note: str = "") -> Bundle:
    """Save a bundle's own data (the service centre's 事项管理员 only)."""
    if not may_manage_bundles(acting_user):
        raise CatalogError("只有政务服务中心的事项管理员可以维护一件事。")
    creating = bundle.pk is None
    bundle.updated_at = timezone.now()
    bundle.save()
    _event(
        "bundle", actor=acting_user, bundle=bundle, note=note or ("新增" if creating else "修改")
    )
    return bundle


@transaction.atomic
def save_bundle_full(bundle: Bundle, *, topics, items, steps: list[dict], acting_user) -> Bundle:
    """A bundle with its topics, members (in order) and merged steps, in one transaction."""
    if not may_manage_bundles(acting_user):
        raise CatalogError("只有政务服务中心的事项管理员可以维护一件事。")
    creating = bundle.pk is None
    bundle.updated_at = timezone.now()
    bundle.save()
    bundle.topics.set(topics)
    keep = {m.item_id: m for m in bundle.members.all()}
    wanted = [i.pk for i in items]
    bundle.members.exclude(item_id__in=wanted).delete()
    for order, item_id in enumerate(wanted):
        member = keep.get(item_id)
        if member is None:
            BundleItem.objects.create(bundle=bundle, item_id=item_id, order=order)
        elif member.order != order:
            member.order = order
            member.save(update_fields=["order"])
    bundle.steps.all().delete()
    BundleStep.objects.bulk_create(
        [
            BundleStep(bundle=bundle, name=s["name"], limit_days=s.get("limit_days", 0), order=i)
            for i, s in enumerate(steps)
        ]
    )
    _event(
        "bundle",
        actor=acting_user,
        bundle=bundle,
        note=("新增" if creating else "修改") + f"：{len(wanted)}个事项，{len(steps)}个环节",
    )
    return bundle
