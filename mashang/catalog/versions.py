"""A version as plain data: what the diff compares, what the export writes, what a clone copies."""

from .models import ItemVersion

SCALAR_FIELDS = [
    "name",
    "kind",
    "item_type",
    "conditions",
    "review_criteria",
    "result_kind",
    "result_name",
    "legal_limit_days",
    "promised_limit_days",
    "visits",
    "online",
    "window",
    "self_service",
    "by_post",
    "fee_charged",
    "fee_amount",
    "fee_basis",
    "level",
    "delegated_to",
    "scope",
    "office_address",
    "office_hours",
    "phone",
]


def _display(version: ItemVersion, name: str) -> str:
    field = ItemVersion._meta.get_field(name)
    value = getattr(version, name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def snapshot(version: ItemVersion) -> dict:
    """Every element of the version, as labelled text (children in order)."""
    data = {
        ItemVersion._meta.get_field(n).verbose_name: _display(version, n) for n in SCALAR_FIELDS
    }
    data["设定依据"] = [
        f"《{b.law}》{b.article} {b.text}".strip() for b in version.legal_bases.all()
    ]
    data["申请材料"] = [
        "｜".join(
            [
                m.name,
                m.get_form_display(),
                f"{m.copies}份",
                "必需" if m.required else "非必需",
                "可容缺" if m.may_be_missing else "不可容缺",
                m.get_source_display(),
            ]
            + (
                [f"情形：{'、'.join(o.label for o in m.case_options.all())}"]
                if m.pk and m.case_options.exists()
                else []
            )
        )
        for m in version.materials.all()
    ]
    data["办理环节"] = [
        f"{s.name}（{s.limit_days}个工作日）{s.description}".strip() for s in version.steps.all()
    ]
    data["表单字段"] = [
        f"{vf.field.label}{'（必填）' if vf.required else '（选填）'}"
        for vf in version.form_fields.all()
    ]
    data["情形"] = [
        f"{q.text}：{'、'.join(o.label for o in q.options.all())}" for q in version.questions.all()
    ]
    data["结果可作为材料"] = sorted(t.name for t in version.produces.all())
    return data


def diff(old: ItemVersion | None, new: ItemVersion) -> list[dict]:
    """[{label, old, new, added, removed}] for every element that differs."""
    before = snapshot(old) if old else {}
    after = snapshot(new)
    changes = []
    for label, value in after.items():
        was = before.get(label, [] if isinstance(value, list) else "")
        if was == value:
            continue
        if isinstance(value, list):
            changes.append(
                {
                    "label": label,
                    "old": was,
                    "new": value,
                    "added": [v for v in value if v not in was],
                    "removed": [v for v in was if v not in value],
                }
            )
        else:
            changes.append({"label": label, "old": was, "new": value, "added": [], "removed": []})
    return changes
