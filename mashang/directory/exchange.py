"""A county's directory as one Excel workbook: export (the template) and import.

Four sheets, each optional on import: 行政区划 (divisions, any depth, by code), 单位 (units,
keyed by their division and name), 职务 (posts of a unit, possibly vacant) and 工作人员
(staff, keyed by username, with several roles and the posts they hold in their unit).

Every row is checked first; if any row is wrong, every problem is listed in Chinese (sheet,
row, what to fix) and nothing is written. Importing the same file again changes nothing;
an edited file updates what changed. Rows missing from the file are left alone (an account
is switched off with 启用=否, never deleted).

A 纪检干部 account reads every accusation: only a superuser — or the operator running the
command on the server, who has that power anyway — may create one, change one or give the
role. Every import writes an audit row, and one per account created or changed.
"""

import io
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from mashang.core.audit import audit
from mashang.core.progress import progress

from .choices import DivisionLevel, PositionTitle, Role, UnitKind
from .models import Division, Position, Staff, Unit

DIVISIONS = "行政区划"
UNITS = "单位"
POSITIONS = "职务"
STAFF = "工作人员"
NOTES = "填写说明"

COLUMNS = {
    DIVISIONS: ["区划代码", "名称", "层级", "上级区划代码"],
    UNITS: ["单位名称", "简称", "类型", "所在区划代码", "排序", "启用"],
    POSITIONS: ["单位名称", "单位区划代码", "职务"],
    STAFF: ["用户名", "姓名", "手机号", "角色", "单位名称", "单位区划代码", "职务", "启用"],
}
REQUIRED = {
    DIVISIONS: ["区划代码", "名称", "层级"],
    UNITS: ["单位名称", "类型", "所在区划代码"],
    POSITIONS: ["单位名称", "职务"],
    STAFF: ["用户名", "角色"],
}
NOTES_TEXT = [
    "码上办组织目录导入模板：四个工作表都可以只填需要的那几个；第一行是列名，不要改动。",
    "行政区划：区划代码为数字（如 430422101），层级填 省/市/县（区）/乡镇（街道）/村（社区）/屋场党小组，"
    "上级区划代码填上一级的代码（最上一级留空）；层级不限。",
    "单位：同一区划内单位名称不能重复；类型见下表；启用填 是 或 否（留空为是）。",
    "职务：列出单位的职务（可以暂时空缺），如 局长（主任）、乡镇党委书记、县长。",
    "工作人员：用户名是登录名，导入后不能改；角色可填多个，用顿号分隔（如 承办人、事项管理员）；"
    "纪检干部不能兼任其他角色，只有超级管理员可以导入纪检干部账号。职务填本人在所属单位担任的职务，可填多个。",
    "单位名称在全县不唯一时，同时填写单位区划代码。",
    "再次导入同一文件不会重复创建；文件中没有的行保持不变；停用账号请把启用改为 否。",
    "",
    "层级：" + "、".join(DivisionLevel.labels),
    "单位类型：" + "、".join(UnitKind.labels),
    "职务：" + "、".join(PositionTitle.labels),
    "角色：" + "、".join(Role.labels),
]
MOBILE = re.compile(r"^1\d{10}$")
DIVISION_CODE = re.compile(r"^\d{2,20}$")
SEPARATORS = re.compile(r"[、,，;；/\s]+")
YES = {"", "是", "启用", "1", "true", "yes", "y"}
NO = {"否", "停用", "0", "false", "no", "n"}


class ImportRejected(Exception):
    """The workbook has problems; `errors` lists every one, in Chinese."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: {"新增": 0, "更新": 0, "未变": 0})
    )
    initial_passwords: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for sheet in (DIVISIONS, UNITS, POSITIONS, STAFF):
            if sheet in self.counts:
                c = self.counts[sheet]
                parts.append(f"{sheet}：新增 {c['新增']}，更新 {c['更新']}，未变 {c['未变']}")
        return "；".join(parts) or "文件中没有数据"


def _choice(value: str, choices) -> str | None:
    """A choice given by its Chinese label or its code value."""
    for code, label in choices.choices:
        if value in (code, label):
            return code
    return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # codes and phone numbers typed as numbers
    return str(value).strip()


@dataclass
class Row:
    sheet: str
    number: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


def read_workbook(file) -> tuple[dict[str, list[Row]], list[str]]:
    """Rows of the known sheets by sheet name; problems with the file's shape."""
    errors: list[str] = []
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        return {}, ["无法读取文件：请上传由导出模板填写的 .xlsx 文件。"]
    sheets: dict[str, list[Row]] = {}
    for name in COLUMNS:
        if name not in workbook.sheetnames:
            continue
        rows = workbook[name].iter_rows(values_only=True)
        header = [_text(h) for h in next(rows, ())]
        missing = [c for c in REQUIRED[name] if c not in header]
        if missing:
            errors.append(f"工作表「{name}」缺少列：{'、'.join(missing)}（请使用导出的模板）。")
            continue
        found = []
        for number, cells in enumerate(rows, start=2):
            values = {h: _text(v) for h, v in zip(header, cells, strict=False) if h}
            if any(values.values()):
                found.append(Row(name, number, values))
        sheets[name] = found
    workbook.close()
    if not sheets and not errors:
        errors.append(f"文件中没有可导入的工作表（{'、'.join(COLUMNS)}）。")
    return sheets, errors


class Plan:
    """Checks every row against the file and the database; collects errors, writes nothing."""

    def __init__(self, sheets: dict[str, list[Row]], acting_user=None):
        self.sheets = sheets
        self.acting_user = acting_user
        self.errors: list[str] = []
        self.divisions: dict[str, dict] = {}
        self.units: dict[tuple[str, str], dict] = {}
        self.positions: set[tuple[tuple[str, str], str]] = set()
        self.staff: dict[str, dict] = {}
        self.held: dict[tuple[tuple[str, str], str], str] = {}

    def error(self, row: Row, message: str) -> None:
        self.errors.append(f"工作表「{row.sheet}」第{row.number}行：{message}")

    @property
    def may_touch_discipline(self) -> bool:
        return self.acting_user is None or self.acting_user.is_superuser

    def check(self) -> "Plan":
        self.db_divisions = {
            d.code: d
            for d in Division.objects.only("id", "code", "name", "level", "parent_id", "path")
        }
        self._check_divisions()
        self._check_units()
        self._check_positions()
        self._check_staff()
        return self

    # Divisions ---------------------------------------------------------------------------
    def _division_known(self, code: str) -> bool:
        return code in self.divisions or code in self.db_divisions

    def _check_divisions(self) -> None:
        rows = self.sheets.get(DIVISIONS, [])
        for row in rows:
            code, name, parent = row["区划代码"], row["名称"], row["上级区划代码"]
            level = _choice(row["层级"], DivisionLevel)
            if not DIVISION_CODE.match(code):
                self.error(row, f"区划代码「{code}」应为2至20位数字。")
                continue
            if code in self.divisions:
                self.error(
                    row, f"区划代码 {code} 重复（第{self.divisions[code]['row'].number}行已有）。"
                )
                continue
            if not name:
                self.error(row, "请填写区划名称。")
            elif len(name) > 60:
                self.error(row, "区划名称不能超过60个字。")
            if level is None:
                self.error(
                    row, f"层级「{row['层级']}」不存在，可填：{'、'.join(DivisionLevel.labels)}。"
                )
            if parent == code:
                self.error(row, "上级区划代码不能是自己。")
            self.divisions[code] = {"row": row, "name": name, "level": level, "parent": parent}
        for d in self.divisions.values():
            parent = d["parent"]
            if parent and not self._division_known(parent):
                self.error(d["row"], f"上级区划代码 {parent} 既不在文件中，也不在系统中。")
        # A parent chain within the file must end somewhere: no cycles.
        for code, d in self.divisions.items():
            seen = {code}
            parent = d["parent"]
            while parent in self.divisions:
                if parent in seen:
                    self.error(d["row"], "上级区划形成了循环，请检查上级区划代码。")
                    break
                seen.add(parent)
                parent = self.divisions[parent]["parent"]
            else:
                # The chain leaves the file: it must not lead back under this division.
                below = self.db_divisions.get(parent)
                if below is not None and f"/{code}/" in below.path:
                    self.error(d["row"], "上级区划不能是本区划的下级，请检查上级区划代码。")

    # Units -------------------------------------------------------------------------------
    def _check_units(self) -> None:
        self.db_units = {
            (u.division.code, u.name): u for u in Unit.objects.select_related("division")
        }
        for row in self.sheets.get(UNITS, []):
            name, division = row["单位名称"], row["所在区划代码"]
            kind = _choice(row["类型"], UnitKind)
            if not name:
                self.error(row, "请填写单位名称。")
                continue
            if len(name) > 60:
                self.error(row, "单位名称不能超过60个字。")
            if len(row["简称"]) > 30:
                self.error(row, "简称不能超过30个字。")
            if kind is None:
                self.error(
                    row, f"单位类型「{row['类型']}」不存在，可填：{'、'.join(UnitKind.labels)}。"
                )
            if not self._division_known(division):
                self.error(row, f"所在区划代码「{division}」既不在文件中，也不在系统中。")
            sort = row["排序"] or "0"
            if not sort.isdigit():
                self.error(row, f"排序「{sort}」应为不小于0的整数。")
            active = self._yes_no(row, row["启用"])
            key = (division, name)
            if key in self.units:
                self.error(row, f"单位「{name}」在区划 {division} 中重复。")
                continue
            self.units[key] = {
                "row": row,
                "short_name": row["简称"],
                "kind": kind,
                "sort_order": int(sort) if sort.isdigit() else 0,
                "is_active": active,
            }
        by_name = defaultdict(set)
        for division, name in [*self.db_units, *self.units]:
            by_name[name].add(division)
        self.unit_divisions_by_name = by_name

    def _yes_no(self, row: Row, value: str) -> bool:
        if value.lower() in YES:
            return True
        if value.lower() in NO:
            return False
        self.error(row, f"启用「{value}」请填 是 或 否。")
        return True

    def _unit_key(self, row: Row, required: bool) -> tuple[str, str] | None:
        name, division = row["单位名称"], row["单位区划代码"]
        if not name:
            if required:
                self.error(row, "请填写单位名称。")
            return None
        if division:
            if (division, name) not in self.units and (division, name) not in self.db_units:
                self.error(row, f"区划 {division} 中没有单位「{name}」。")
                return None
            return (division, name)
        divisions = self.unit_divisions_by_name.get(name, set())
        if not divisions:
            self.error(row, f"单位「{name}」既不在文件中，也不在系统中。")
            return None
        if len(divisions) > 1:
            self.error(
                row,
                f"单位「{name}」有重名（区划 {'、'.join(sorted(divisions))}），请填写单位区划代码。",
            )
            return None
        return (next(iter(divisions)), name)

    # Positions ---------------------------------------------------------------------------
    def _title(self, row: Row, value: str) -> str | None:
        title = _choice(value, PositionTitle)
        if title is None:
            self.error(row, f"职务「{value}」不存在，可填：{'、'.join(PositionTitle.labels)}。")
        return title

    def _check_positions(self) -> None:
        for row in self.sheets.get(POSITIONS, []):
            unit = self._unit_key(row, required=True)
            title = self._title(row, row["职务"])
            if unit and title:
                if (unit, title) in self.positions:
                    self.error(row, f"单位「{unit[1]}」的职务「{row['职务']}」重复。")
                self.positions.add((unit, title))

    # Staff -------------------------------------------------------------------------------
    def _check_staff(self) -> None:
        rows = self.sheets.get(STAFF, [])
        existing = {
            s.username: s
            for s in Staff.objects.filter(username__in=[r["用户名"] for r in rows])
            .select_related("unit__division")
            .prefetch_related("positions")
        }
        for row in rows:
            username = row["用户名"]
            try:
                UnicodeUsernameValidator()(username)
                if not username or len(username) > 150:
                    raise ValidationError("")
            except ValidationError:
                self.error(
                    row, f"用户名「{username}」只能由字母、数字和 @.+-_ 组成，且不超过150个字符。"
                )
                continue
            if username in self.staff:
                self.error(
                    row, f"用户名 {username} 重复（第{self.staff[username]['row'].number}行已有）。"
                )
                continue
            full_name = row["姓名"]
            if len(full_name) > 30:
                self.error(row, "姓名不能超过30个字。")
            mobile = re.sub(r"[\s-]", "", row["手机号"])
            if mobile.startswith("+86"):
                mobile = mobile[3:]
            if mobile and not MOBILE.match(mobile):
                self.error(row, f"手机号「{row['手机号']}」应为11位手机号码。")
            roles = []
            for part in SEPARATORS.split(row["角色"]):
                if not part:
                    continue
                role = _choice(part, Role)
                if role is None:
                    self.error(row, f"角色「{part}」不存在，可填：{'、'.join(Role.labels)}。")
                else:
                    roles.append(role)
            roles = sorted(set(roles))
            if not roles and row["角色"] == "":
                self.error(row, "请至少填写一个角色。")
            if Role.DISCIPLINE in roles and len(roles) > 1:
                self.error(row, "纪检干部账号不能兼任其他角色。")
            account = existing.get(username)
            touches_discipline = Role.DISCIPLINE in roles or (
                account is not None and Role.DISCIPLINE in account.role_set
            )
            unit = self._unit_key(row, required=False)
            active = self._yes_no(row, row["启用"])
            titles = []
            for part in SEPARATORS.split(row["职务"]):
                if part:
                    title = self._title(row, part)
                    if title and unit is None:
                        self.error(row, "填写职务时请同时填写所属单位。")
                    elif title:
                        titles.append(title)
                        holder = self.held.get((unit, title))
                        if holder:
                            self.error(row, f"职务「{part}」已由本文件中的 {holder} 担任。")
                        self.held[(unit, title)] = username
            self.staff[username] = {
                "row": row,
                "full_name": full_name,
                "mobile": mobile,
                "roles": roles,
                "unit": unit,
                "is_active": active,
                "titles": titles,
                "account": account,
            }
            if touches_discipline and not self.may_touch_discipline:
                if account is None or self._staff_changes(self.staff[username]):
                    self.error(row, "纪检干部账号只能由超级管理员导入或修改。")

    def _staff_changes(self, s: dict) -> list[str]:
        account = s["account"]
        if account is None:
            return ["新增"]
        unit_key = (account.unit.division.code, account.unit.name) if account.unit_id else None
        changes = []
        for attr in ("full_name", "mobile", "is_active"):
            if getattr(account, attr) != s[attr]:
                changes.append(attr)
        if sorted(account.role_set) != s["roles"]:
            changes.append("roles")
        if unit_key != s["unit"]:
            changes.append("unit")
        held = {p.title for p in account.positions.all()} if account.pk else set()
        if s["unit"] and not set(s["titles"]) <= held:
            changes.append("positions")
        return changes


def import_directory(
    file, *, acting_user=None, initial_passwords: bool = False, stream=None
) -> ImportResult:
    """Check the workbook and, if every row is right, write it all in one transaction.

    Raises ImportRejected with every problem. `acting_user` None means the operator on the
    server (full rights); `initial_passwords` gives new accounts a random password, returned
    once in the result, instead of an unusable one."""
    sheets, errors = read_workbook(file)
    if errors:
        raise ImportRejected(errors)
    plan = Plan(sheets, acting_user).check()
    if plan.errors:
        raise ImportRejected(plan.errors)
    result = ImportResult()
    with transaction.atomic():
        _write(plan, result, initial_passwords, stream)
        audit(
            "directory_imported",
            actor=acting_user,
            object_type="directory",
            detail=result.summary(),
        )
    return result


def _count(result: ImportResult, sheet: str, created: bool, changed: bool) -> None:
    result.counts[sheet]["新增" if created else "更新" if changed else "未变"] += 1


def _write(plan: Plan, result: ImportResult, initial_passwords: bool, stream) -> None:
    total = len(plan.divisions) + len(plan.units) + len(plan.positions) + len(plan.staff)
    bar = progress(total=total, desc="导入组织目录", unit="行", stream=stream)
    # Divisions parents first: a parent's depth in the file is resolved before its children.
    divisions = {code: d for code, d in plan.db_divisions.items()}
    pending = dict(plan.divisions)
    while pending:
        ready = [c for c, d in pending.items() if not d["parent"] or d["parent"] not in pending]
        for code in sorted(ready):
            d = pending.pop(code)
            parent = divisions.get(d["parent"]) if d["parent"] else None
            obj = divisions.get(code)
            if obj is None:
                obj = Division(code=code)
                created = True
            else:
                created = False
            changed = (obj.name, obj.level, obj.parent_id) != (
                d["name"],
                d["level"],
                parent.pk if parent else None,
            )
            if created or changed:
                obj.name, obj.level, obj.parent = d["name"], d["level"], parent
                obj.save()
            divisions[code] = obj
            _count(result, DIVISIONS, created, changed and not created)
            bar.update()

    units = dict(plan.db_units)
    for (division, name), u in plan.units.items():
        obj = units.get((division, name))
        created = obj is None
        if created:
            obj = Unit(name=name, division=divisions[division])
        values = {k: u[k] for k in ("short_name", "kind", "sort_order", "is_active")}
        changed = any(getattr(obj, k) != v for k, v in values.items())
        if created or changed:
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
        units[(division, name)] = obj
        _count(result, UNITS, created, changed and not created)
        bar.update()

    for unit_key, title in sorted(plan.positions):
        _, created = Position.objects.get_or_create(unit=units[unit_key], title=title)
        _count(result, POSITIONS, created, False)
        bar.update()

    for username, s in plan.staff.items():
        account = s["account"]
        changes = plan._staff_changes(s)
        created = account is None
        if created:
            account = Staff(username=username)
            if initial_passwords:
                password = secrets.token_urlsafe(9) + "a1!"  # meets the length and class rules
                account.set_password(password)
                result.initial_passwords.append((username, password))
            else:
                account.set_unusable_password()  # an administrator sets it in the admin
        if changes:
            account.full_name = s["full_name"]
            account.mobile = s["mobile"]
            account.roles = s["roles"]
            account.unit = units[s["unit"]] if s["unit"] else None
            account.is_active = s["is_active"]
            account.save()
            for title in s["titles"]:
                Position.objects.update_or_create(
                    unit=account.unit, title=title, defaults={"holder": account}
                )
            audit(
                "staff_created" if created else "staff_changed",
                actor=plan.acting_user,
                obj=account,
                detail=f"导入 角色={','.join(account.role_set)} 单位={account.unit_id} 变更={changes}",
            )
        _count(result, STAFF, created, bool(changes) and not created)
        bar.update()
    bar.close()


def export_directory(out, *, acting_user=None) -> None:
    """Write the directory as the import template (an empty database gives an empty template)."""
    wb = Workbook()
    notes = wb.active
    notes.title = NOTES
    for line in NOTES_TEXT:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    sheets = {name: wb.create_sheet(name) for name in COLUMNS}
    for name, ws in sheets.items():
        ws.append(COLUMNS[name])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, _ in enumerate(COLUMNS[name]):
            ws.column_dimensions[chr(ord("A") + i)].width = 18
    levels, kinds = dict(DivisionLevel.choices), dict(UnitKind.choices)
    titles, roles = dict(PositionTitle.choices), dict(Role.choices)
    for d in Division.objects.select_related("parent").order_by("path"):
        sheets[DIVISIONS].append(
            [d.code, d.name, levels.get(d.level, d.level), d.parent.code if d.parent else ""]
        )
    duplicates = _duplicate_unit_names()
    for u in Unit.objects.select_related("division").order_by("division__path", "sort_order", "id"):
        sheets[UNITS].append(
            [
                u.name,
                u.short_name,
                kinds.get(u.kind, u.kind),
                u.division.code,
                u.sort_order,
                "是" if u.is_active else "否",
            ]
        )
    held = defaultdict(list)
    for p in Position.objects.select_related("unit__division").order_by(
        "unit__division__path", "unit_id", "title"
    ):
        sheets[POSITIONS].append(
            [
                p.unit.name,
                p.unit.division.code if p.unit.name in duplicates else "",
                titles.get(p.title, p.title),
            ]
        )
        if p.holder_id and p.unit_id:
            held[p.holder_id].append((p.unit_id, titles.get(p.title, p.title)))
    for s in Staff.objects.select_related("unit__division").order_by(
        "unit__division__path", "unit_id", "username"
    ):
        unit = s.unit
        sheets[STAFF].append(
            [
                s.username,
                s.full_name,
                s.mobile,
                "、".join(roles[r] for r in sorted(s.role_set) if r in roles),
                unit.name if unit else "",
                unit.division.code if unit and unit.name in duplicates else "",
                "、".join(t for unit_id, t in held[s.pk] if unit and unit_id == unit.pk),
                "是" if s.is_active else "否",
            ]
        )
    if hasattr(out, "write"):
        buffer = io.BytesIO()
        wb.save(buffer)
        out.write(buffer.getvalue())
    else:
        wb.save(out)
    audit("directory_exported", actor=acting_user, object_type="directory")


def _duplicate_unit_names() -> set[str]:
    from django.db.models import Count

    return set(
        Unit.objects.values("name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("name", flat=True)
    )
