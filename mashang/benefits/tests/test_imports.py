"""Imports: the documented layout, re-import updates, a bad file writes nothing."""

import csv
import io

import pytest
from openpyxl import Workbook

from mashang.benefits.imports import (
    ImportRefused,
    credit_code_ok,
    id_number_ok,
    id_number_with_check,
    import_file,
    import_persons,
)
from mashang.benefits.models import Firm, FirmYear, ImportBatch, Person
from mashang.core.models import AuditLog

from .conftest import firm_row, import_rows

pytestmark = pytest.mark.django_db


def test_credit_codes_and_id_numbers_are_checked_by_their_check_character():
    assert credit_code_ok("91350100M000100Y43")  # a published example of GB 32100
    assert not credit_code_ok("91350100M000100Y44")
    assert id_number_ok("11010519491231002X")  # the example of GB 11643
    assert not id_number_ok("110105194912310021")


def test_firms_are_imported_with_their_source_and_date(officer):
    batch = import_rows([firm_row(1), firm_row(2, insured=[30] * 11 + [28])], officer)
    assert (batch.rows, batch.created, batch.updated) == (2, 2, 0)
    firm = Firm.objects.get(name="衡南县测试2号有限公司")
    assert firm.batch == batch and batch.source == "县人社局社保数据" and firm.imported_at
    assert FirmYear.objects.get(firm=firm, year=2025).insured[-1] == 28
    assert firm.bank_account == "6228480000000000002"  # read back decrypted
    assert AuditLog.objects.filter(action="benefits.import").count() == 1


def test_reimporting_updates_the_same_firm_and_year(officer):
    import_rows([firm_row(1)], officer)
    batch = import_rows([firm_row(1, 企业名称="衡南县新名称有限公司", 失信="是")], officer)
    assert (batch.created, batch.updated) == (0, 1)
    assert Firm.objects.count() == 1 and FirmYear.objects.count() == 1
    firm = Firm.objects.get()
    assert firm.name == "衡南县新名称有限公司" and firm.batch == batch
    assert FirmYear.objects.get().dishonest is True


def test_a_bad_row_refuses_the_whole_file_and_lists_every_error(officer):
    rows = [
        firm_row(1),
        firm_row(2, 统一社会信用代码="91430422MA4L000029"),
        firm_row(3, **{"5月参保人数": "十"}, 失信="不知道"),
        firm_row(4, 失业保险缴费="12.345"),
    ]
    with pytest.raises(ImportRefused) as caught:
        import_rows(rows, officer)
    errors = caught.value.errors
    assert errors[0].startswith("第3行：统一社会信用代码")
    assert "第4行：5月参保人数应为不小于 0 的整数，现为“十”" in errors
    assert "第4行：失信应填“是”或“否”，现为“不知道”" in errors
    assert any(e.startswith("第5行：失业保险缴费") for e in errors)
    assert (Firm.objects.count(), FirmYear.objects.count(), ImportBatch.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_file_missing_a_column_is_refused(officer):
    row = firm_row(1)
    del row["失信"]
    with pytest.raises(ImportRefused, match="缺少列：失信"):
        import_rows([row], officer)


def test_the_same_firm_and_year_twice_in_one_file_is_refused(officer):
    with pytest.raises(ImportRefused, match="第3行：与前面的行重复"):
        import_rows([firm_row(1), firm_row(1)], officer)
    assert not Firm.objects.exists()


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_csv_and_xlsx_files_give_the_same_records(officer):
    import_file("firms", "a.csv", _csv([firm_row(1)]), source="社保", acting_user=officer)
    wb = Workbook()
    ws = wb.active
    row = firm_row(2)
    ws.append(list(row))
    ws.append([int(v) if v.isdigit() and len(v) < 6 else v for v in row.values()])
    out = io.BytesIO()
    wb.save(out)
    import_file("firms", "b.xlsx", out.getvalue(), source="社保", acting_user=officer)
    assert sorted(FirmYear.objects.values_list("insured", flat=True))[0] == [23] * 12
    assert Firm.objects.count() == 2


def person_row(n=1, birth="1944-03-05", **over):
    number = id_number_with_check(f"430422{birth.replace('-', '')}{n:03d}")
    row = {
        "身份证号": number,
        "姓名": f"老人{n}",
        "出生日期": birth,
        "户籍地区划代码": "430422101201",
        "村（社区）代码": "430422101201",
        "联系电话": "13900000001",
        "开户银行": "衡南农村商业银行",
        "银行账号": "6228480000000001234",
    }
    return row | over


def test_id_numbers_are_stored_encrypted_and_matched_by_blind_index(county, officer):
    from django.db import connection

    row = person_row()
    import_persons([row], source="户籍", file_name="p.csv", acting_user=officer)
    person = Person.objects.get()
    assert person.id_number == row["身份证号"] and person.id_tail == row["身份证号"][-4:]
    with connection.cursor() as c:
        c.execute("SELECT id_number FROM benefits_person")
        stored = c.fetchone()[0]
    assert row["身份证号"] not in stored and stored.startswith("sm4gcm:")
    import_persons(
        [row | {"姓名": "老人甲"}], source="户籍", file_name="p2.csv", acting_user=officer
    )
    assert Person.objects.get().name == "老人甲" and Person.objects.count() == 1


def test_a_birth_date_that_contradicts_the_id_number_is_refused(county, officer):
    row = person_row() | {"出生日期": "1945-03-05"}
    with pytest.raises(ImportRefused) as caught:
        import_persons([row], source="户籍", file_name="p.csv", acting_user=officer)
    assert caught.value.errors == ["第2行：出生日期与身份证号不一致"]
    assert not Person.objects.exists()
