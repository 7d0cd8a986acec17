"""Test helpers: small catalogues built through the real actions."""

from itertools import count

from .actions import (
    create_item,
    publish_version,
    set_draft_fields,
    set_draft_legal_bases,
    set_draft_materials,
    set_draft_produces,
    set_draft_steps,
    update_draft,
)
from .choices import HandlingLevel, ItemKind, StepKind
from .models import FormField, MaterialType
from .queries import today

_serial = count(1)


def material_type(code: str, name: str = "", **kwargs) -> MaterialType:
    return MaterialType.objects.get_or_create(code=code, defaults={"name": name or code, **kwargs})[
        0
    ]


def form_field(code: str, label: str = "", kind: str = "text") -> FormField:
    return FormField.objects.get_or_create(
        code=code, defaults={"label": label or code, "kind": kind}
    )[0]


def build_item(
    user,
    unit,
    name: str,
    *,
    steps: int = 3,
    promised: int = 5,
    legal: int = 20,
    visits: int = 1,
    materials: list = (),
    fields: list = (),
    produces: list = (),
    level: str = HandlingLevel.COUNTY,
    kind: str = ItemKind.LICENSING,
    publish: bool = True,
):
    """An item with one version: `materials` are MaterialType or (MaterialType, {overrides})."""
    n = next(_serial)
    version = create_item(
        unit=unit,
        code=f"T{n:06d}",
        basic_code=f"B{n:06d}",
        name=name,
        kind=kind,
        level=level,
        acting_user=user,
    )
    update_draft(
        version,
        {"legal_limit_days": legal, "promised_limit_days": promised, "visits": visits},
        acting_user=user,
    )
    set_draft_steps(
        version,
        [{"kind": StepKind.REVIEW, "name": f"环节{i + 1}", "limit_days": 0} for i in range(steps)],
        acting_user=user,
    )
    rows = []
    for m in materials:
        mtype, extra = m if isinstance(m, tuple) else (m, {})
        rows.append({"material_type": mtype, "name": mtype.name, **extra})
    set_draft_materials(version, rows, acting_user=user)
    set_draft_legal_bases(
        version, [{"law": "中华人民共和国行政许可法", "article": "第十二条"}], acting_user=user
    )
    set_draft_fields(version, [{"field": f, "required": True} for f in fields], acting_user=user)
    if produces:
        set_draft_produces(version, produces, acting_user=user)
    if publish:
        version = publish_version(version, effective_from=today(), acting_user=user)
    return version
