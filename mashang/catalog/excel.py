"""The catalogue in and out of Excel: one sheet each for items, materials, steps and bundles
(plus the field dictionary, the topics and the material types), the versions in force today.

An import checks every row first and writes nothing if any row is bad (each problem reported in
Chinese with its sheet and row). A new item gets version 1; an item whose content differs from
its newest published version gets a new published version from the row's 生效日期 (today or
later); an identical item is left alone — so export → import on a fresh database gives the same
catalogue, and the same file imported twice changes nothing the second time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from mashang.core.spreadsheet import set_cell
from mashang.directory.models import Unit

from .choices import (
    FieldKind,
    HandlingLevel,
    ItemKind,
    ItemType,
    MaterialForm,
    MaterialSource,
    ResultKind,
    ServiceScope,
    StepKind,
    TopicKind,
    VersionStatus,
)
from .models import (
    Bundle,
    BundleItem,
    BundleStep,
    CaseOption,
    CaseQuestion,
    CatalogEvent,
    FormField,
    Item,
    ItemVersion,
    LegalBasis,
    Material,
    MaterialType,
    Step,
    Topic,
    VersionField,
)
from .queries import current_versions, today, version_detail_qs

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
YES, NO = "是", "否"


def safe_cell(cell, value) -> None:
    """Write `value`; text is always stored as text, never as a formula (core.spreadsheet)."""
    set_cell(cell, value)


def _yes(flag: bool) -> str:
    return YES if flag else NO


def _lines(values) -> str:
    return "\n".join(values)


# --- columns ----------------------------------------------------------------------------------

ITEM_COLUMNS = [
    "实施编码",
    "基本编码",
    "事项名称",
    "实施单位",
    "事项类型",
    "办理层级",
    "生效日期",
    "办件类型",
    "受理条件",
    "审查标准",
    "办理结果类型",
    "办理结果名称",
    "法定时限（工作日）",
    "承诺时限（工作日）",
    "到现场次数",
    "网上办理",
    "窗口办理",
    "自助办理",
    "邮寄办理",
    "收费",
    "收费金额（元）",
    "收费依据",
    "下放至",
    "通办范围",
    "办理地点",
    "办理时间",
    "咨询电话",
    "设定依据",
    "表单字段",
    "情形",
    "结果可作为材料",
    "主题",
]
MATERIAL_COLUMNS = [
    "实施编码",
    "材料类型代码",
    "材料类型名称",
    "电子证照类型",
    "政府已掌握",
    "材料名称",
    "形式",
    "份数",
    "必需",
    "可容缺",
    "来源",
    "适用情形",
    "说明",
]
STEP_COLUMNS = ["实施编码", "环节类型", "环节名称", "时限（工作日）", "办理要求"]
BUNDLE_COLUMNS = [
    "代码",
    "名称",
    "牵头单位",
    "主题",
    "承诺时限（工作日）",
    "到现场次数",
    "全程网办",
    "启用",
    "排序",
    "所含事项",
    "环节",
    "说明",
    "情形",
    "事项适用情形",
]
FIELD_COLUMNS = ["字段代码", "字段名称", "类型", "填写提示", "选项"]
TYPE_COLUMNS = ["材料类型代码", "材料类型名称", "电子证照类型", "政府已掌握"]
TOPIC_COLUMNS = ["主题代码", "主题名称", "类别"]
# Added after files were first exported: a file without them leaves that part as it is.
OPTIONAL_COLUMNS = {"一件事": {"情形", "事项适用情形"}}
SHEETS = {
    "事项": ITEM_COLUMNS,
    "材料": MATERIAL_COLUMNS,
    "环节": STEP_COLUMNS,
    "一件事": BUNDLE_COLUMNS,
    "字段字典": FIELD_COLUMNS,
    "主题": TOPIC_COLUMNS,
    "材料类型": TYPE_COLUMNS,
}


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _item_row(item: Item, v: ItemVersion) -> list:
    return [
        item.code,
        item.basic_code,
        v.name,
        item.unit.name,
        _label(ItemKind.choices, v.kind),
        _label(HandlingLevel.choices, v.level),
        v.effective_from.isoformat(),
        _label(ItemType.choices, v.item_type),
        v.conditions,
        v.review_criteria,
        _label(ResultKind.choices, v.result_kind),
        v.result_name,
        v.legal_limit_days,
        v.promised_limit_days,
        v.visits,
        _yes(v.online),
        _yes(v.window),
        _yes(v.self_service),
        _yes(v.by_post),
        _yes(v.fee_charged),
        str(v.fee_amount),
        v.fee_basis,
        v.delegated_to,
        _label(ServiceScope.choices, v.scope),
        v.office_address,
        v.office_hours,
        v.phone,
        _lines(f"{b.law}|{b.article}|{b.text}" for b in v.legal_bases.all()),
        _lines(f"{f.field.code}|{'必填' if f.required else '选填'}" for f in v.form_fields.all()),
        _lines(f"{q.text}|{'/'.join(o.label for o in q.options.all())}" for q in v.questions.all()),
        "、".join(sorted(t.code for t in v.produces.all())),
        "、".join(sorted(t.name for t in item.topics.all())),
    ]


def _material_rows(item: Item, v: ItemVersion) -> list[list]:
    return [
        [
            item.code,
            m.material_type.code,
            m.material_type.name,
            m.material_type.e_license_type,
            _yes(m.material_type.government_holds),
            m.name,
            _label(MaterialForm.choices, m.form),
            m.copies,
            _yes(m.required),
            _yes(m.may_be_missing),
            _label(MaterialSource.choices, m.source),
            "、".join(o.label for o in m.case_options.all()),
            m.note,
        ]
        for m in v.materials.all()
    ]


def _step_rows(item: Item, v: ItemVersion) -> list[list]:
    return [
        [item.code, _label(StepKind.choices, s.kind), s.name, s.limit_days, s.description]
        for s in v.steps.all()
    ]


def export_catalog(out) -> dict:
    """Write the catalogue in force today to `out` (a path or a binary file); return counts."""
    wb = Workbook(write_only=True)  # streamed: 170,000 cells for the demo county
    sheets = {name: wb.create_sheet(name) for name in SHEETS}
    for name, columns in SHEETS.items():
        sheets[name].append(columns)

    def put(sheet, row):
        ws = sheets[sheet]
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws)
            safe_cell(cell, value)
            cells.append(cell)
        ws.append(cells)

    items = list(
        Item.objects.filter(retired_on__isnull=True)
        .select_related("unit")
        .prefetch_related("topics")
        .order_by("code")
    )
    current = current_versions(items)
    versions = {
        v.item_id: v for v in version_detail_qs().filter(pk__in=[v.pk for v in current.values()])
    }
    n = 0
    for item in items:
        v = versions.get(item.pk)
        if v is None:
            continue
        n += 1
        put("事项", _item_row(item, v))
        for row in _material_rows(item, v):
            put("材料", row)
        for row in _step_rows(item, v):
            put("环节", row)
    bundles = (
        Bundle.objects.select_related("lead_unit")
        .prefetch_related(
            "topics", "steps", "members__item", "members__case_options", "questions__options"
        )
        .order_by("sort_order", "id")
    )
    for b in bundles:
        put(
            "一件事",
            [
                b.code,
                b.name,
                b.lead_unit.name,
                "、".join(sorted(t.name for t in b.topics.all())),
                b.promised_limit_days,
                b.visits,
                _yes(b.online),
                _yes(b.is_active),
                b.sort_order,
                "、".join(m.item.code for m in b.members.all()),
                _lines(f"{s.name}|{s.limit_days}" for s in b.steps.all()),
                b.description,
                _lines(
                    f"{q.text}|{'/'.join(o.label for o in q.options.all())}"
                    for q in b.questions.all()
                ),
                _lines(
                    f"{m.item.code}|{'、'.join(o.label for o in m.case_options.all())}"
                    for m in b.members.all()
                    if m.case_options.all()
                ),
            ],
        )
    for f in FormField.objects.order_by("sort_order", "id"):
        put("字段字典", [f.code, f.label, _label(FieldKind.choices, f.kind), f.hint, f.choices])
    for t in Topic.objects.order_by("kind", "sort_order", "id"):
        put("主题", [t.code, t.name, _label(TopicKind.choices, t.kind)])
    # The dictionary entries the exported items use (materials and what results provide).
    used = set()
    for v in versions.values():
        used |= {m.material_type_id for m in v.materials.all()}
        used |= {t.pk for t in v.produces.all()}
    for t in MaterialType.objects.filter(pk__in=used).order_by("code"):
        put("材料类型", [t.code, t.name, t.e_license_type, _yes(t.government_holds)])
    wb.save(out)
    return {"items": n, "bundles": len(bundles)}


# --- import -------------------------------------------------------------------------------------


def _questions(value) -> list[tuple[str, list[str]]]:
    """「情形」: one question a line, 问题|选项1/选项2 (an item's or a 一件事's)."""
    questions = []
    for line in _text(value).splitlines():
        if line.strip():
            text, _, opts = line.partition("|")
            options = [o.strip() for o in opts.split("/") if o.strip()]
            if not text.strip() or len(options) < 2:
                raise _RowError(f"情形“{line[:30]}”应写成 问题|选项1/选项2")
            questions.append((text.strip()[:100], [o[:60] for o in options]))
    return questions


def _member_cases(value, members: list[str], questions) -> dict[str, list[str]]:
    """「事项适用情形」: 实施编码|选项、选项 — that member is done only in those 情形."""
    labels = {o for _q, options in questions for o in options}
    cases: dict[str, list[str]] = {}
    for line in _text(value).splitlines():
        if not line.strip():
            continue
        code, _, opts = line.partition("|")
        code, options = code.strip(), _split(opts)
        if code not in members:
            raise _RowError(f"事项适用情形中的事项 {code} 不在所含事项中")
        if not options:
            raise _RowError(f"事项适用情形“{line[:30]}”应写成 实施编码|选项1、选项2")
        bad = [o for o in options if o not in labels]
        if bad:
            raise _RowError(f"事项适用情形“{'、'.join(bad)}”不是该一件事情形的选项")
        cases[code] = options
    return cases


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    bundles: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        if self.errors:
            return f"导入未执行：发现{len(self.errors)}处问题，未写入任何数据。"
        return (
            f"导入完成：新增事项{self.created}个，发布新版本{self.changed}个，"
            f"未变化{self.unchanged}个；一件事{self.bundles}个。"
        )


class _Rows:
    """The rows of one sheet as dicts keyed by header, with their Excel row numbers."""

    def __init__(self, ws, sheet: str, columns: list[str], report: ImportReport):
        self.sheet, self.rows, self.present = sheet, [], set()
        rows = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        missing = [
            c for c in columns if c not in header and c not in OPTIONAL_COLUMNS.get(sheet, ())
        ]
        if missing:
            report.errors.append(f"工作表「{sheet}」缺少列：{'、'.join(missing)}")
            return
        self.present = {c for c in columns if c in header}
        index = {c: header.index(c) for c in self.present}
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS:
                report.errors.append(f"工作表「{sheet}」超过{MAX_ROWS}行。")
                break
            if not values or all(v is None or str(v).strip() == "" for v in values):
                continue
            self.rows.append(
                (number, {c: values[i] if i < len(values) else None for c, i in index.items()})
            )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class _RowError(Exception):
    pass


def _choice(choices, value, column: str) -> str:
    text = _text(value)
    for code, label in choices:
        if text in (code, label):
            return code
    raise _RowError(
        f"{column}“{text}”不是有效选项（可选：{'、'.join(lab for _c, lab in choices)}）"
    )


def _int(value, column: str, low: int = 0, high: int = 3650) -> int:
    text = _text(value)
    if not text.isdigit() or not low <= int(text) <= high:
        raise _RowError(f"{column}应为{low}到{high}之间的整数，而不是“{text}”")
    return int(text)


def _flag(value, column: str) -> bool:
    text = _text(value)
    if text in (YES, "Y", "1", "TRUE", "True"):
        return True
    if text in (NO, "N", "0", "FALSE", "False", ""):
        return False
    raise _RowError(f"{column}应填“是”或“否”")


def _required(value, column: str, max_length: int) -> str:
    text = _text(value)
    if not text:
        raise _RowError(f"请填写{column}")
    if len(text) > max_length:
        raise _RowError(f"{column}不能超过{max_length}个字")
    return text


def _optional(value, column: str, max_length: int) -> str:
    text = _text(value)
    if len(text) > max_length:
        raise _RowError(f"{column}不能超过{max_length}个字")
    return text


def _split(value) -> list[str]:
    return [
        p.strip()
        for p in _text(value).replace(",", "、").replace("，", "、").split("、")
        if p.strip()
    ]


@dataclass
class _ItemPlan:
    row: int
    code: str
    basic_code: str
    unit: Unit
    effective_from: date
    scalars: dict
    legal_bases: list[dict]
    fields: list[tuple[str, bool]]
    questions: list[tuple[str, list[str]]]
    produces: list[str]
    topics: list[str]
    materials: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    export_rows: tuple = ()


def import_catalog(source, *, acting_user=None) -> ImportReport:
    """Check the whole workbook, then write it in one transaction — or write nothing."""
    report = ImportReport()
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        report.errors.append("无法读取文件：请上传由本系统导出或按模板填写的 .xlsx 文件。")
        return report
    missing = [name for name in SHEETS if name not in wb.sheetnames]
    if missing:
        report.errors.append(f"缺少工作表：{'、'.join(missing)}")
        return report
    sheets = {name: _Rows(wb[name], name, cols, report) for name, cols in SHEETS.items()}
    if report.errors:
        return report
    plan = _check(sheets, report)
    wb.close()
    if report.errors:
        return report
    _write(plan, report, acting_user)
    return report


def _check(sheets: dict, report: ImportReport) -> dict:
    def fail(sheet, number, message):
        report.errors.append(f"工作表「{sheet}」第{number}行：{message}")

    topics, fields = {}, {}
    for number, r in sheets["主题"].rows:
        try:
            code = _required(r["主题代码"], "主题代码", 30)
            topics[code] = {
                "code": code,
                "name": _required(r["主题名称"], "主题名称", 20),
                "kind": _choice(TopicKind.choices, r["类别"], "类别"),
            }
        except _RowError as e:
            fail("主题", number, str(e))
    for number, r in sheets["字段字典"].rows:
        try:
            code = _required(r["字段代码"], "字段代码", 40)
            fields[code] = {
                "code": code,
                "label": _required(r["字段名称"], "字段名称", 40),
                "kind": _choice(FieldKind.choices, r["类型"], "类型"),
                "hint": _optional(r["填写提示"], "填写提示", 100),
                "choices": _optional(r["选项"], "选项", 300),
                "sort_order": len(fields),
            }
        except _RowError as e:
            fail("字段字典", number, str(e))
    known_fields = set(fields) | set(FormField.objects.values_list("code", flat=True))
    topic_names = {t["name"] for t in topics.values()} | set(
        Topic.objects.values_list("name", flat=True)
    )
    units = {u.name: u for u in Unit.objects.all()}
    items: dict[str, _ItemPlan] = {}
    # Codes on the items sheet, valid or not: their materials and steps are still checked.
    listed = {_text(r["实施编码"]) for _n, r in sheets["事项"].rows}
    for number, r in sheets["事项"].rows:
        try:
            code = _required(r["实施编码"], "实施编码", 40)
            if code in items:
                raise _RowError(f"实施编码 {code} 重复")
            unit_name = _required(r["实施单位"], "实施单位", 60)
            if unit_name not in units:
                raise _RowError(f"没有名为“{unit_name}”的单位")
            effective_text = _text(r["生效日期"])
            try:
                effective = date.fromisoformat(effective_text) if effective_text else today()
            except ValueError:
                raise _RowError(
                    f"生效日期应为 2027-01-01 这样的日期，而不是“{effective_text}”"
                ) from None
            legal = _int(r["法定时限（工作日）"], "法定时限", 0, 3650)
            promised = _int(r["承诺时限（工作日）"], "承诺时限", 0, 3650)
            if promised > legal:
                raise _RowError("承诺时限不能超过法定时限")
            item_type = _choice(ItemType.choices, r["办件类型"], "办件类型")
            if item_type == ItemType.INSTANT and promised:
                raise _RowError("即办件的承诺时限应为0个工作日")
            fee_charged = _flag(r["收费"], "收费")
            try:
                fee_amount = Decimal(_text(r["收费金额（元）"]) or "0")
            except InvalidOperation:
                raise _RowError("收费金额应为数字") from None
            if fee_amount < 0 or fee_amount >= Decimal("100000000"):
                raise _RowError("收费金额超出范围")
            fee_basis = _optional(r["收费依据"], "收费依据", 200)
            if fee_charged and not fee_basis:
                raise _RowError("收费事项请填写收费依据")
            scalars = {
                "name": _required(r["事项名称"], "事项名称", 100),
                "kind": _choice(ItemKind.choices, r["事项类型"], "事项类型"),
                "level": _choice(HandlingLevel.choices, r["办理层级"], "办理层级"),
                "item_type": item_type,
                "conditions": _optional(r["受理条件"], "受理条件", 5000),
                "review_criteria": _optional(r["审查标准"], "审查标准", 5000),
                "result_kind": _choice(ResultKind.choices, r["办理结果类型"], "办理结果类型"),
                "result_name": _optional(r["办理结果名称"], "办理结果名称", 100),
                "legal_limit_days": legal,
                "promised_limit_days": promised,
                "visits": _int(r["到现场次数"], "到现场次数", 0, 2),
                "online": _flag(r["网上办理"], "网上办理"),
                "window": _flag(r["窗口办理"], "窗口办理"),
                "self_service": _flag(r["自助办理"], "自助办理"),
                "by_post": _flag(r["邮寄办理"], "邮寄办理"),
                "fee_charged": fee_charged,
                "fee_amount": fee_amount.quantize(Decimal("0.01")),
                "fee_basis": fee_basis,
                "delegated_to": _optional(r["下放至"], "下放至", 100),
                "scope": _choice(ServiceScope.choices, r["通办范围"], "通办范围"),
                "office_address": _optional(r["办理地点"], "办理地点", 200),
                "office_hours": _optional(r["办理时间"], "办理时间", 100),
                "phone": _optional(r["咨询电话"], "咨询电话", 40),
            }
            bases = []
            for line in _text(r["设定依据"]).splitlines():
                if line.strip():
                    law, _, rest = line.partition("|")
                    article, _, text = rest.partition("|")
                    if not law.strip() or len(law) > 120 or len(article) > 40:
                        raise _RowError(f"设定依据“{line[:30]}”应写成 法规名称|条款|内容")
                    bases.append(
                        {"law": law.strip(), "article": article.strip(), "text": text.strip()}
                    )
            if not bases:
                raise _RowError("请至少填写一条设定依据")
            form_fields = []
            for line in _text(r["表单字段"]).splitlines():
                if line.strip():
                    fcode, _, need = line.partition("|")
                    if fcode.strip() not in known_fields:
                        raise _RowError(f"表单字段“{fcode.strip()}”不在字段字典中")
                    form_fields.append((fcode.strip(), need.strip() != "选填"))
            questions = _questions(r["情形"])
            topic_list = _split(r["主题"])
            unknown = [t for t in topic_list if t not in topic_names]
            if unknown:
                raise _RowError(f"没有这些主题：{'、'.join(unknown)}")
            items[code] = _ItemPlan(
                row=number,
                code=code,
                basic_code=_required(r["基本编码"], "基本编码", 40),
                unit=units[unit_name],
                effective_from=effective,
                scalars=scalars,
                legal_bases=bases,
                fields=form_fields,
                questions=questions,
                produces=_split(r["结果可作为材料"]),
                topics=topic_list,
                export_rows=tuple(_text(r[c]) for c in ITEM_COLUMNS if c != "生效日期"),
            )
        except _RowError as e:
            fail("事项", number, str(e))
    mtypes: dict[str, dict] = {}
    for number, r in sheets["材料类型"].rows:
        try:
            tcode = _required(r["材料类型代码"], "材料类型代码", 40)
            mtypes[tcode] = {
                "code": tcode,
                "name": _required(r["材料类型名称"], "材料类型名称", 80),
                "e_license_type": _optional(r["电子证照类型"], "电子证照类型", 60),
                "government_holds": _flag(r["政府已掌握"], "政府已掌握"),
            }
        except _RowError as e:
            fail("材料类型", number, str(e))
    existing_types = {t.code: t for t in MaterialType.objects.all()}
    for number, r in sheets["材料"].rows:
        try:
            code = _required(r["实施编码"], "实施编码", 40)
            if code not in listed:
                raise _RowError(f"实施编码 {code} 不在「事项」工作表中")
            tcode = _required(r["材料类型代码"], "材料类型代码", 40)
            tname = _text(r["材料类型名称"]) or _text(r["材料名称"])
            tinfo = {
                "code": tcode,
                "name": tname[:80],
                "e_license_type": _optional(r["电子证照类型"], "电子证照类型", 60),
                "government_holds": _flag(r["政府已掌握"], "政府已掌握"),
            }
            if tcode in mtypes and mtypes[tcode] != tinfo:
                raise _RowError(f"材料类型 {tcode} 的名称或属性与前面的行不一致")
            mtypes[tcode] = tinfo
            options = _split(r["适用情形"])
            material = {
                "type": tcode,
                "name": _required(r["材料名称"], "材料名称", 100),
                "form": _choice(MaterialForm.choices, r["形式"], "形式"),
                "copies": _int(r["份数"], "份数", 1, 99),
                "required": _flag(r["必需"], "必需"),
                "may_be_missing": _flag(r["可容缺"], "可容缺"),
                "source": _choice(MaterialSource.choices, r["来源"], "来源"),
                "options": options,
                "note": _optional(r["说明"], "说明", 200),
                "export": tuple(_text(r[c]) for c in MATERIAL_COLUMNS),
            }
            plan = items.get(code)
            if plan is not None:
                all_options = {o for _q, opts in plan.questions for o in opts}
                bad = [o for o in options if o not in all_options]
                if bad:
                    raise _RowError(f"适用情形“{'、'.join(bad)}”不是该事项情形的选项")
                plan.materials.append(material)
        except _RowError as e:
            fail("材料", number, str(e))
    for number, r in sheets["环节"].rows:
        try:
            code = _required(r["实施编码"], "实施编码", 40)
            if code not in listed:
                raise _RowError(f"实施编码 {code} 不在「事项」工作表中")
            step = {
                "kind": _choice(StepKind.choices, r["环节类型"], "环节类型"),
                "name": _required(r["环节名称"], "环节名称", 40),
                "limit_days": _int(r["时限（工作日）"], "时限", 0, 3650),
                "description": _optional(r["办理要求"], "办理要求", 200),
                "export": tuple(_text(r[c]) for c in STEP_COLUMNS),
            }
            if code in items:
                items[code].steps.append(step)
        except _RowError as e:
            fail("环节", number, str(e))
    known_types = set(mtypes) | set(existing_types)
    for plan in items.values():
        if not plan.steps:
            fail("事项", plan.row, f"事项 {plan.code} 在「环节」工作表中没有环节")
        if not plan.materials:
            fail("事项", plan.row, f"事项 {plan.code} 在「材料」工作表中没有材料")
        bad = [t for t in plan.produces if t not in known_types]
        if bad:
            fail("事项", plan.row, f"结果可作为材料中的材料类型不存在：{'、'.join(bad)}")
    item_codes = set(items) | set(Item.objects.values_list("code", flat=True))
    bundles = []
    for number, r in sheets["一件事"].rows:
        try:
            lead = _required(r["牵头单位"], "牵头单位", 60)
            if lead not in units:
                raise _RowError(f"没有名为“{lead}”的单位")
            members = _split(r["所含事项"])
            unknown = [c for c in members if c not in item_codes]
            if unknown:
                raise _RowError(f"没有这些事项：{'、'.join(unknown[:10])}")
            if len(set(members)) < 2:
                raise _RowError("一件事至少包含两个不同的事项")
            steps = []
            for line in _text(r["环节"]).splitlines():
                if line.strip():
                    name, _, days = line.partition("|")
                    days = days.strip() or "0"
                    if not days.isdigit():
                        raise _RowError(f"环节“{line.strip()}”的时限应为整数")
                    steps.append({"name": name.strip()[:40], "limit_days": int(days)})
            if not steps:
                raise _RowError("请至少填写一个环节")
            topic_list = _split(r["主题"])
            unknown = [t for t in topic_list if t not in topic_names]
            if unknown:
                raise _RowError(f"没有这些主题：{'、'.join(unknown)}")
            if "情形" in sheets["一件事"].present:
                bundle_questions = _questions(r.get("情形"))
                member_cases = _member_cases(r.get("事项适用情形"), members, bundle_questions)
            else:  # an older file: the bundle's 情形 stay as they are
                bundle_questions = member_cases = None
            bundles.append(
                {
                    "code": _required(r["代码"], "代码", 40),
                    "name": _required(r["名称"], "名称", 60),
                    "lead_unit": units[lead],
                    "topics": topic_list,
                    "promised_limit_days": _int(r["承诺时限（工作日）"], "承诺时限", 0, 3650),
                    "visits": _int(r["到现场次数"], "到现场次数", 0, 2),
                    "online": _flag(r["全程网办"], "全程网办"),
                    "is_active": _flag(r["启用"] if _text(r["启用"]) else YES, "启用"),
                    "sort_order": _int(r["排序"] if _text(r["排序"]) else 0, "排序", 0, 32000),
                    "members": list(dict.fromkeys(members)),
                    "steps": steps,
                    "description": _optional(r["说明"], "说明", 2000),
                    "questions": bundle_questions,
                    "member_cases": member_cases,
                }
            )
        except _RowError as e:
            fail("一件事", number, str(e))
    return {
        "topics": topics,
        "fields": fields,
        "mtypes": mtypes,
        "items": items,
        "bundles": bundles,
    }


def _same(plan: _ItemPlan, item: Item, v: ItemVersion) -> bool:
    """Is the row the same as the version (compared in the export's own representation)?"""
    row = _item_row(item, v)
    exported = tuple(_text(x) for c, x in zip(ITEM_COLUMNS, row, strict=True) if c != "生效日期")
    if exported != plan.export_rows:
        return False
    mats = [tuple(_text(x) for x in r) for r in _material_rows(item, v)]
    steps = [tuple(_text(x) for x in r) for r in _step_rows(item, v)]
    return mats == [m["export"] for m in plan.materials] and steps == [
        s["export"] for s in plan.steps
    ]


@transaction.atomic
def _write(plan: dict, report: ImportReport, acting_user) -> None:
    for t in plan["topics"].values():
        Topic.objects.update_or_create(code=t["code"], defaults=t)
    for f in plan["fields"].values():
        FormField.objects.update_or_create(code=f["code"], defaults=f)
    types = {t.code: t for t in MaterialType.objects.all()}
    new_types = [MaterialType(**info) for code, info in plan["mtypes"].items() if code not in types]
    for t in MaterialType.objects.bulk_create(new_types, batch_size=1000):
        types[t.code] = t
    fields = {f.code: f for f in FormField.objects.all()}
    topics = {t.name: t for t in Topic.objects.all()}

    plans: dict[str, _ItemPlan] = plan["items"]
    existing = {
        i.code: i
        for i in Item.objects.filter(code__in=list(plans))
        .select_related("unit")
        .prefetch_related("topics")
    }
    latest_pub = {
        v.item_id: v
        for v in version_detail_qs()
        .filter(item__in=existing.values(), status=VersionStatus.PUBLISHED)
        .order_by("item_id", "effective_from", "number")
    }
    numbers = dict(
        ItemVersion.objects.filter(item__in=existing.values())
        .values("item_id")
        .annotate(n=Max("number"))
        .values_list("item_id", "n")
    )
    drafts = set(
        ItemVersion.objects.filter(
            item__in=existing.values(), status=VersionStatus.DRAFT
        ).values_list("item_id", flat=True)
    )
    new_items, to_version, closing, errors = [], [], [], []
    for code, p in plans.items():
        item = existing.get(code)
        if item is None:
            new_items.append(
                Item(
                    code=code,
                    basic_code=p.basic_code,
                    unit=p.unit,
                    name=p.scalars["name"],
                    kind=p.scalars["kind"],
                    level=p.scalars["level"],
                )
            )
            continue
        latest = latest_pub.get(item.pk)
        if latest is not None and item.unit_id == p.unit.pk and _same(p, item, latest):
            report.unchanged += 1
            continue
        if item.pk in drafts:
            errors.append(
                f"工作表「事项」第{p.row}行：事项 {code} 有未发布的草稿，请先发布或删除草稿"
            )
        elif p.effective_from < today():
            errors.append(
                f"工作表「事项」第{p.row}行：事项 {code} 内容有变化，新版本的生效日期不能早于今天"
            )
        elif latest is not None and latest.effective_from >= p.effective_from:
            errors.append(
                f"工作表「事项」第{p.row}行：事项 {code} 新版本的生效日期须晚于现行版本的"
                f"{latest.effective_from:%Y-%m-%d}"
            )
        else:
            if latest is not None:
                latest.effective_to = p.effective_from
                closing.append(latest)
            to_version.append((item, p, numbers.get(item.pk, 0) + 1))
    if errors:
        report.errors.extend(errors)
        transaction.set_rollback(True)
        return
    created = Item.objects.bulk_create(new_items, batch_size=500)
    report.created = len(created)
    report.changed = len(to_version)
    to_version += [(item, plans[item.code], 1) for item in created]
    ItemVersion.objects.bulk_update(closing, ["effective_to"])
    for item, p, _n in to_version:
        if item.code in existing:
            item.name, item.kind, item.level = (
                p.scalars["name"],
                p.scalars["kind"],
                p.scalars["level"],
            )
            item.basic_code, item.unit = p.basic_code, p.unit
    Item.objects.bulk_update(
        [i for i, _p, _n in to_version if i.code in existing],
        ["name", "kind", "level", "basic_code", "unit"],
    )
    now = timezone.now()
    versions = ItemVersion.objects.bulk_create(
        [
            ItemVersion(
                item=item,
                number=number,
                status=VersionStatus.PUBLISHED,
                effective_from=p.effective_from,
                created_by=acting_user,
                published_by=acting_user,
                published_at=now,
                change_note="Excel导入",
                **p.scalars,
            )
            for item, p, number in to_version
        ],
        batch_size=500,
    )
    _write_children(to_version, versions, types, fields, topics)
    bundles_by_code = {b.code: b for b in Bundle.objects.all()}
    item_ids = dict(Item.objects.values_list("code", "id"))
    for b in plan["bundles"]:
        bundle = bundles_by_code.get(b["code"]) or Bundle(code=b["code"])
        for name in (
            "name",
            "lead_unit",
            "promised_limit_days",
            "visits",
            "online",
            "is_active",
            "sort_order",
            "description",
        ):
            setattr(bundle, name, b[name])
        bundle.updated_at = now
        bundle.save()
        bundle.topics.set([topics[t] for t in b["topics"]])
        wanted = [item_ids[c] for c in b["members"]]
        bundle.members.exclude(item_id__in=wanted).delete()
        have = {m.item_id: m for m in bundle.members.all()}
        for order, item_id in enumerate(wanted):
            m = have.get(item_id)
            if m is None:
                BundleItem.objects.create(bundle=bundle, item_id=item_id, order=order)
            elif m.order != order:
                m.order = order
                m.save(update_fields=["order"])
        bundle.steps.all().delete()
        BundleStep.objects.bulk_create(
            [BundleStep(bundle=bundle, order=i, **s) for i, s in enumerate(b["steps"])]
        )
        if b["questions"] is not None:
            _write_bundle_cases(bundle, b["questions"], b["member_cases"], item_ids)
        report.bundles += 1
    CatalogEvent.objects.create(action="import", actor=acting_user, note=report.summary)


def _write_bundle_cases(bundle, questions, member_cases, item_ids) -> None:
    """The bundle's own 情形 and which members each option brings in. Unchanged questions are
    kept as they are (applications refer to their options); changed ones are replaced."""
    have = list(bundle.questions.prefetch_related("options"))
    if [(q.text, [o.label for o in q.options.all()]) for q in have] != questions:
        bundle.questions.all().delete()
        for i, (text, labels) in enumerate(questions):
            q = CaseQuestion.objects.create(bundle=bundle, text=text, order=i)
            CaseOption.objects.bulk_create(
                [CaseOption(question=q, label=label, order=j) for j, label in enumerate(labels)]
            )
    by_label = {
        o.label: o for o in CaseOption.objects.filter(question__bundle=bundle).order_by("id")
    }
    wanted = {item_ids[code]: labels for code, labels in member_cases.items()}
    for member in bundle.members.all():
        member.case_options.set([by_label[label] for label in wanted.get(member.item_id, [])])


def _write_children(to_version, versions, types, fields, topics) -> None:
    # A new version carries the row's topics: the item's old tags give way.
    Item.topics.through.objects.filter(item__in=[item for item, _p, _n in to_version]).delete()
    bases, steps, vfields, mats, produces, topic_links = [], [], [], [], [], []
    material_options: list[list[str]] = []
    questions: list[tuple[CaseQuestion, list[str]]] = []
    for (item, p, _n), v in zip(to_version, versions, strict=True):
        bases += [LegalBasis(version=v, order=i, **b) for i, b in enumerate(p.legal_bases)]
        steps += [
            Step(
                version=v,
                order=i,
                **{k: s[k] for k in ("kind", "name", "limit_days", "description")},
            )
            for i, s in enumerate(p.steps)
        ]
        vfields += [
            VersionField(version=v, field=fields[code], required=req, order=i)
            for i, (code, req) in enumerate(p.fields)
        ]
        for i, m in enumerate(p.materials):
            mats.append(
                Material(
                    version=v,
                    material_type=types[m["type"]],
                    order=i,
                    **{
                        k: m[k]
                        for k in (
                            "name",
                            "form",
                            "copies",
                            "required",
                            "may_be_missing",
                            "source",
                            "note",
                        )
                    },
                )
            )
            material_options.append(m["options"])
        for i, (text, options) in enumerate(p.questions):
            questions.append((CaseQuestion(version=v, text=text, order=i), options))
        produces += [
            ItemVersion.produces.through(itemversion=v, materialtype=types[c]) for c in p.produces
        ]
        topic_links += [Item.topics.through(item=item, topic=topics[t]) for t in p.topics]
    LegalBasis.objects.bulk_create(bases, batch_size=1000)
    Step.objects.bulk_create(steps, batch_size=1000)
    VersionField.objects.bulk_create(vfields, batch_size=1000)
    mats = Material.objects.bulk_create(mats, batch_size=1000)
    ItemVersion.produces.through.objects.bulk_create(produces, batch_size=1000)
    Item.topics.through.objects.bulk_create(topic_links, batch_size=1000, ignore_conflicts=True)
    saved_questions = CaseQuestion.objects.bulk_create([q for q, _o in questions], batch_size=1000)
    options = []
    for q, (_q, labels) in zip(saved_questions, questions, strict=True):
        options += [CaseOption(question=q, label=label, order=i) for i, label in enumerate(labels)]
    options = CaseOption.objects.bulk_create(options, batch_size=1000)
    by_version: dict[tuple[int, str], CaseOption] = {}
    question_version = {q.pk: q.version_id for q in saved_questions}
    for o in options:
        by_version.setdefault((question_version[o.question_id], o.label), o)
    links = [
        Material.case_options.through(material=m, caseoption=by_version[(m.version_id, label)])
        for m, labels in zip(mats, material_options, strict=True)
        for label in labels
        if (m.version_id, label) in by_version
    ]
    Material.case_options.through.objects.bulk_create(links, batch_size=1000)
