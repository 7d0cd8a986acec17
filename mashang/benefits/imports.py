"""The county's data for 免申即享: firms and residents from Excel or CSV, all rows or none.

Layouts (first row = these headers, any column order; 选填 columns may be left out):
  企业: 统一社会信用代码, 企业名称, 行业, 企业规模, 所属乡镇代码, 联系电话, 开户银行, 银行账号,
        年度, 1月参保人数 … 12月参保人数, 失业保险缴费, 社保单位缴费, 创业担保贷款利息（选填）,
        失信（是/否）
        — one row per firm and year; a firm's name, bank and phone follow its latest row.
  居民: 身份证号, 姓名, 出生日期, 户籍地区划代码, 村（社区）代码, 联系电话（选填）,
        开户银行（选填）, 银行账号（选填）, 已故（是/否，选填）
Re-importing updates the same firm (by credit code) or person (by ID number). Any bad row
refuses the whole file, and every error is listed with its row number.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from mashang.core.audit import audit
from mashang.core.crypto import blind_index
from mashang.core.idcodes import (  # noqa: F401 - re-exported for the demo and tests
    CREDIT_CHARS,
    credit_code_ok,
    credit_code_with_check,
    id_number_ok,
    id_number_with_check,
)
from mashang.directory.models import Division

from .choices import ImportKind
from .models import Firm, FirmYear, ImportBatch, Person

MONTHS = [f"{m}月参保人数" for m in range(1, 13)]
FIRM_COLUMNS = [
    "统一社会信用代码",
    "企业名称",
    "行业",
    "企业规模",
    "所属乡镇代码",
    "联系电话",
    "开户银行",
    "银行账号",
    "年度",
    *MONTHS,
    "失业保险缴费",
    "社保单位缴费",
    "失信",
]
FIRM_OPTIONAL = ["创业担保贷款利息"]
PERSON_COLUMNS = ["身份证号", "姓名", "出生日期", "户籍地区划代码", "村（社区）代码"]
PERSON_OPTIONAL = ["联系电话", "开户银行", "银行账号", "已故"]
SIZES = {"大型", "中型", "小型", "微型"}
MAX_ROWS = 200_000
PHONE = re.compile(r"^1\d{10}$")
ACCOUNT = re.compile(r"^\d{10,25}$")


class ImportRefused(Exception):
    """The file was refused whole; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors[:3]))
        self.errors = errors


@dataclass
class ImportResult:
    batch: ImportBatch
    errors: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading files


def read_table(name: str, content: bytes) -> list[dict[str, str]]:
    """Rows of a .csv (UTF-8, with or without BOM, or GB18030) or .xlsx as header → text."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportRefused(["无法读取该 Excel 文件，请另存为 .xlsx 后重试"]) from exc
        rows = [
            ["" if v is None else _cell_text(v) for v in row]
            for row in wb.worksheets[0].iter_rows(values_only=True)
        ]
    elif lower.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportRefused(["文件编码无法识别，请用 UTF-8 保存 CSV"])
        rows = list(csv.reader(io.StringIO(text)))
    else:
        raise ImportRefused(["只接受 .xlsx 或 .csv 文件"])
    if not rows:
        raise ImportRefused(["文件是空的"])
    header = [h.strip() for h in rows[0]]
    return [
        {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}
        for row in rows[1:]
        if any(str(c).strip() for c in row)
    ]


def _cell_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "date") and callable(v.date):
        return v.date().isoformat()
    return str(v)


# ---------------------------------------------------------------- parsing one value


def _int(v: str, name: str, errs: list[str]) -> int:
    if not re.fullmatch(r"\d+", v or ""):
        errs.append(f"{name}应为不小于 0 的整数，现为“{v}”")
        return 0
    return int(v)


def _money(v: str, name: str, errs: list[str], optional=False) -> Decimal:
    if optional and not v:
        return Decimal("0.00")
    try:
        d = Decimal((v or "").replace(",", ""))
    except InvalidOperation:
        d = None
    if d is None or not d.is_finite() or d < 0 or d != d.quantize(Decimal("0.01")):
        errs.append(f"{name}应为不小于 0、最多两位小数的金额，现为“{v}”")
        return Decimal("0.00")
    return d.quantize(Decimal("0.01"))


def _yesno(v: str, name: str, errs: list[str], optional=False) -> bool:
    if optional and not v:
        return False
    if v not in ("是", "否"):
        errs.append(f"{name}应填“是”或“否”，现为“{v}”")
    return v == "是"


def _missing(rows, required: list[str]) -> list[str]:
    present = set(rows[0]) if rows else set()
    return [c for c in required if c not in present]


# ---------------------------------------------------------------- firms


def import_firms(rows: list[dict], *, source: str, file_name: str, acting_user) -> ImportBatch:
    """Validate every row, then write all of them in one transaction (or nothing)."""
    if not rows:
        raise ImportRefused(["文件中没有数据行"])
    if len(rows) > MAX_ROWS:
        raise ImportRefused([f"一次最多导入 {MAX_ROWS:,} 行，请分批导入"])
    missing = _missing(rows, FIRM_COLUMNS)
    if missing:
        raise ImportRefused([f"缺少列：{'、'.join(missing)}（布局见说明）"])
    townships = dict(Division.objects.filter(level="township").values_list("code", "id"))
    errors: list[str] = []
    parsed = []
    seen: set[tuple[str, int]] = set()
    for n, row in enumerate(rows, start=2):
        errs: list[str] = []
        code = row["统一社会信用代码"].upper()
        if not credit_code_ok(code):
            errs.append(f"统一社会信用代码“{code}”不正确（18位，校验位不符）")
        name = row["企业名称"]
        if not name or len(name) > 200:
            errs.append("企业名称不能为空，且不超过200字")
        if not row["行业"] or len(row["行业"]) > 40:
            errs.append("行业不能为空，且不超过40字")
        if row["企业规模"] not in SIZES:
            errs.append(f"企业规模应为{'、'.join(sorted(SIZES))}之一，现为“{row['企业规模']}”")
        township = townships.get(row["所属乡镇代码"])
        if township is None:
            errs.append(f"所属乡镇代码“{row['所属乡镇代码']}”不是本县的乡镇（街道）")
        phone = re.sub(r"[\s-]", "", row["联系电话"])
        if not PHONE.match(phone):
            errs.append(f"联系电话应为11位手机号，现为“{row['联系电话']}”")
        account = re.sub(r"\s", "", row["银行账号"])
        if not ACCOUNT.match(account) or not row["开户银行"]:
            errs.append("开户银行不能为空，银行账号应为10至25位数字")
        year = _int(row["年度"], "年度", errs)
        if year and not 2000 <= year <= 2100:
            errs.append(f"年度“{year}”不在 2000—2100 之间")
        insured = [_int(row[m], m, errs) for m in MONTHS]
        unemployment = _money(row["失业保险缴费"], "失业保险缴费", errs)
        social = _money(row["社保单位缴费"], "社保单位缴费", errs)
        interest = _money(row.get("创业担保贷款利息", ""), "创业担保贷款利息", errs, True)
        dishonest = _yesno(row["失信"], "失信", errs)
        if (code, year) in seen:
            errs.append(f"与前面的行重复（{code}，{year}年度）")
        seen.add((code, year))
        if errs:
            errors.extend(f"第{n}行：{e}" for e in errs)
            continue
        parsed.append(
            dict(
                code=code,
                name=name,
                industry=row["行业"],
                size=row["企业规模"],
                township_id=township,
                phone=phone,
                bank_name=row["开户银行"][:60],
                bank_account=account,
                year=year,
                insured=insured,
                unemployment_paid=unemployment,
                social_paid=social,
                loan_interest=interest,
                dishonest=dishonest,
            )
        )
    if errors:
        raise ImportRefused(errors)
    return _write_firms(parsed, source=source, file_name=file_name, acting_user=acting_user)


FIRM_ATTRS = ["name", "industry", "size", "township_id", "phone", "bank_name", "bank_account"]
YEAR_ATTRS = ["insured", "unemployment_paid", "social_paid", "loan_interest", "dishonest"]


@transaction.atomic
def _write_firms(parsed, *, source, file_name, acting_user) -> ImportBatch:
    now = timezone.now()
    batch = ImportBatch.objects.create(
        kind=ImportKind.FIRMS,
        source=source[:100],
        file_name=file_name[:200],
        imported_at=now,
        imported_by=acting_user,
        rows=len(parsed),
    )
    latest: dict[str, dict] = {}
    for p in sorted(parsed, key=lambda p: p["year"]):
        latest[p["code"]] = p  # the latest year's row carries the firm's own details
    existing = {
        f.credit_code: f for f in Firm.objects.filter(credit_code__in=list(latest)).iterator()
    }
    new, changed = [], []
    for code, p in latest.items():
        firm = existing.get(code) or Firm(credit_code=code)
        for attr in FIRM_ATTRS:
            setattr(firm, attr, p[attr])
        firm.batch, firm.imported_at = batch, now
        (changed if firm.pk else new).append(firm)
    Firm.objects.bulk_create(new, batch_size=2000)
    Firm.objects.bulk_update(changed, [*FIRM_ATTRS, "batch", "imported_at"], batch_size=2000)
    ids = dict(Firm.objects.filter(credit_code__in=list(latest)).values_list("credit_code", "id"))
    years = {
        (y.firm_id, y.year): y
        for y in FirmYear.objects.filter(firm_id__in=list(ids.values())).iterator()
    }
    new_years, changed_years = [], []
    for p in parsed:
        key = (ids[p["code"]], p["year"])
        record = years.get(key) or FirmYear(firm_id=key[0], year=key[1])
        for attr in YEAR_ATTRS:
            setattr(record, attr, p[attr])
        record.batch = batch
        (changed_years if record.pk else new_years).append(record)
    FirmYear.objects.bulk_create(new_years, batch_size=2000)
    FirmYear.objects.bulk_update(changed_years, [*YEAR_ATTRS, "batch"], batch_size=2000)
    batch.created, batch.updated = len(new_years), len(changed_years)
    batch.save(update_fields=["created", "updated"])
    audit(
        "benefits.import",
        actor=acting_user,
        obj=batch,
        detail=f"企业数据 {file_name}：{len(parsed)} 行，新增 {len(new_years)}，更新 {len(changed_years)}",
    )
    return batch


# ---------------------------------------------------------------- residents


def import_persons(rows: list[dict], *, source: str, file_name: str, acting_user) -> ImportBatch:
    if not rows:
        raise ImportRefused(["文件中没有数据行"])
    if len(rows) > MAX_ROWS:
        raise ImportRefused([f"一次最多导入 {MAX_ROWS:,} 行，请分批导入"])
    missing = _missing(rows, PERSON_COLUMNS)
    if missing:
        raise ImportRefused([f"缺少列：{'、'.join(missing)}（布局见说明）"])
    villages = dict(Division.objects.filter(level="village").values_list("code", "id"))
    errors: list[str] = []
    parsed = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):
        errs: list[str] = []
        number = row["身份证号"].upper()
        if not id_number_ok(number):
            errs.append("身份证号不正确（18位，校验位不符）")  # never echo an ID number
        try:
            birth = date.fromisoformat(row["出生日期"])
        except ValueError:
            birth = None
            errs.append(f"出生日期应写作 1940-05-01，现为“{row['出生日期']}”")
        if birth and id_number_ok(number) and number[6:14] != f"{birth:%Y%m%d}":
            errs.append("出生日期与身份证号不一致")
        name = row["姓名"]
        if not name or len(name) > 40:
            errs.append("姓名不能为空，且不超过40字")
        if not re.fullmatch(r"\d{6,15}", row["户籍地区划代码"]):
            errs.append(f"户籍地区划代码应为6至15位数字，现为“{row['户籍地区划代码']}”")
        village = villages.get(row["村（社区）代码"])
        if village is None:
            errs.append(f"村（社区）代码“{row['村（社区）代码']}”不是本县的村（社区）")
        phone = re.sub(r"[\s-]", "", row.get("联系电话", ""))
        if phone and not PHONE.match(phone):
            errs.append(f"联系电话应为11位手机号，现为“{row.get('联系电话')}”")
        account = re.sub(r"\s", "", row.get("银行账号", ""))
        if account and not ACCOUNT.match(account):
            errs.append("银行账号应为10至25位数字")
        deceased = _yesno(row.get("已故", ""), "已故", errs, True)
        if number in seen:
            errs.append("身份证号与前面的行重复")
        seen.add(number)
        if errs:
            errors.extend(f"第{n}行：{e}" for e in errs)
            continue
        parsed.append(
            dict(
                id_number=number,
                name=name,
                birth_date=birth,
                hukou_code=row["户籍地区划代码"],
                village_id=village,
                phone=phone,
                bank_name=row.get("开户银行", "")[:60],
                bank_account=account,
                deceased=deceased,
            )
        )
    if errors:
        raise ImportRefused(errors)
    return _write_persons(parsed, source=source, file_name=file_name, acting_user=acting_user)


PERSON_ATTRS = [
    "name",
    "birth_date",
    "hukou_code",
    "village_id",
    "phone",
    "bank_name",
    "bank_account",
    "deceased",
]


@transaction.atomic
def _write_persons(parsed, *, source, file_name, acting_user) -> ImportBatch:
    now = timezone.now()
    batch = ImportBatch.objects.create(
        kind=ImportKind.PERSONS,
        source=source[:100],
        file_name=file_name[:200],
        imported_at=now,
        imported_by=acting_user,
        rows=len(parsed),
    )
    for p in parsed:
        p["id_index"] = blind_index(p["id_number"], purpose="id_number")
    existing = {
        p.id_index: p
        for p in Person.objects.filter(id_index__in=[p["id_index"] for p in parsed]).iterator()
    }
    new, changed = [], []
    for p in parsed:
        person = existing.get(p["id_index"]) or Person(
            id_index=p["id_index"], id_number=p["id_number"], id_tail=p["id_number"][-4:]
        )
        for attr in PERSON_ATTRS:
            setattr(person, attr, p[attr])
        person.batch, person.imported_at = batch, now
        (changed if person.pk else new).append(person)
    Person.objects.bulk_create(new, batch_size=2000)
    Person.objects.bulk_update(changed, [*PERSON_ATTRS, "batch", "imported_at"], batch_size=2000)
    batch.created, batch.updated = len(new), len(changed)
    batch.save(update_fields=["created", "updated"])
    audit(
        "benefits.import",
        actor=acting_user,
        obj=batch,
        detail=f"居民数据 {file_name}：{len(parsed)} 行，新增 {len(new)}，更新 {len(changed)}",
    )
    return batch


def import_file(kind: str, name: str, content: bytes, *, source: str, acting_user):
    rows = read_table(name, content)
    if not (source or "").strip():
        raise ImportRefused(["请填写数据来源（如：县人社局社保数据）"])
    importer = import_firms if kind == ImportKind.FIRMS else import_persons
    return importer(rows, source=source.strip(), file_name=name, acting_user=acting_user)
