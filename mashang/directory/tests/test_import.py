"""Importing a county's directory from Excel: checked first, all or nothing, idempotent."""

import csv
import io
import os
import stat

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from mashang.core.models import AuditLog
from mashang.directory.choices import PositionTitle, Role
from mashang.directory.exchange import (
    DIVISIONS,
    STAFF,
    UNITS,
    ImportRejected,
    export_directory,
    import_directory,
)
from mashang.directory.models import Division, Position, Staff, Unit

from .county_file import write_county_file

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Division.objects.count(),
        Unit.objects.count(),
        Position.objects.count(),
        Staff.objects.count(),
    )


def _import(path, **kwargs):
    with open(path, "rb") as f:
        return import_directory(f, **kwargs)


def test_a_county_file_builds_divisions_units_positions_and_staff(tmp_path):
    _import(write_county_file(tmp_path / "county.xlsx"))
    assert _counts() == (8, 12, 7, 7)
    hamlet = Division.objects.get(code="430422101201001")
    assert hamlet.path == "/430000/430400/430422/430422101/430422101201/430422101201001/"
    assert hamlet.full_name == "衡南县茶市镇新塘村老屋场党小组"
    chief = Staff.objects.get(username="zj_chief")
    assert chief.role_set == {Role.UNIT_LEADER, Role.HANDLER}
    assert chief.unit.name == "县住房和城乡建设局"
    assert Position.objects.get(unit=chief.unit, title=PositionTitle.BUREAU_CHIEF).holder == chief
    assert Staff.objects.get(username="zj_handler").mobile == "13800000002"  # spaces dropped
    # Two villages of the same name in two townships: the row names its division.
    assert Staff.objects.get(username="xt_village").unit.division.code == "430422101201"


def test_a_person_holds_several_roles_from_one_cell(tmp_path):
    _import(write_county_file(tmp_path / "county.xlsx"))
    clerk = Staff.objects.get(username="sl_clerk")
    assert clerk.has_role(Role.CATALOG_ADMIN) and clerk.has_role(Role.HANDLER)


def test_importing_the_same_file_again_duplicates_nothing(tmp_path):
    path = write_county_file(tmp_path / "county.xlsx")
    _import(path)
    result = _import(path)
    assert _counts() == (8, 12, 7, 7)
    assert all(c["新增"] == 0 and c["更新"] == 0 for c in result.counts.values())


def test_an_edited_file_updates_in_place(tmp_path):
    _import(write_county_file(tmp_path / "county.xlsx"))

    def edit(sheets):
        sheets[STAFF][1][3] = "承办人、单位负责人"  # zj_handler gains a role
        sheets[STAFF][1][7] = "否"  # … and is switched off
        sheets[UNITS][7][0:2] = ["县水利局", "水利"]  # a short name

    result = _import(write_county_file(tmp_path / "edited.xlsx", edit=edit))
    handler = Staff.objects.get(username="zj_handler")
    assert handler.role_set == {Role.HANDLER, Role.UNIT_LEADER}
    assert not handler.is_active
    assert Unit.objects.get(name="县水利局").short_name == "水利"
    assert result.counts[STAFF]["更新"] == 1 and result.counts[UNITS]["更新"] == 1
    assert _counts() == (8, 12, 7, 7)


def test_a_reshuffle_moves_the_post_to_its_new_holder(tmp_path):
    _import(write_county_file(tmp_path / "county.xlsx"))

    def edit(sheets):
        sheets[STAFF][2][6] = ""  # the old chief keeps his account but not the post
        sheets[STAFF][1][6] = "局长（主任）"

    _import(write_county_file(tmp_path / "edited.xlsx", edit=edit))
    post = Position.objects.get(unit__name="县住房和城乡建设局", title=PositionTitle.BUREAU_CHIEF)
    assert post.holder.username == "zj_handler"


def test_every_bad_row_is_listed_in_chinese_and_nothing_is_written(tmp_path):
    def edit(sheets):
        sheets[DIVISIONS].append(["43042210x", "坏代码", "村（社区）", "430422101"])
        sheets[DIVISIONS].append(["430422103", "孤儿镇", "乡镇（街道）", "999999"])
        sheets[UNITS].append(["县某局", "", "不存在的类型", "430422", 1, "是"])
        sheets[STAFF].append(["bad name!", "某", "", "承办人", "", "", "", "是"])
        sheets[STAFF].append(["ok_user", "某", "12345", "打杂", "县不存在局", "", "", "是"])
        sheets[STAFF].append(["jw_two", "某", "", "纪检干部、承办人", "县纪委监委", "", "", "是"])
        sheets[STAFF].append(["dispatch1", "重复", "", "分拨员", "县诉求分拨中心", "", "", "是"])
        sheets[STAFF].append(["vill", "某", "", "承办人", "新塘村村委会", "", "", "是"])

    with pytest.raises(ImportRejected) as rejected:
        _import(write_county_file(tmp_path / "bad.xlsx", edit=edit))
    errors = rejected.value.errors
    expected = [
        "工作表「行政区划」第10行：区划代码「43042210x」应为2至20位数字。",
        "工作表「行政区划」第11行：上级区划代码 999999 既不在文件中，也不在系统中。",
        "工作表「单位」第14行：单位类型「不存在的类型」不存在",
        "工作表「工作人员」第9行：用户名「bad name!」只能由字母、数字和 @.+-_ 组成",
        "工作表「工作人员」第10行：手机号「12345」应为11位手机号码。",
        "工作表「工作人员」第10行：角色「打杂」不存在",
        "工作表「工作人员」第10行：单位「县不存在局」既不在文件中，也不在系统中。",
        "工作表「工作人员」第11行：纪检干部账号不能兼任其他角色。",
        "工作表「工作人员」第12行：用户名 dispatch1 重复（第2行已有）。",
        "工作表「工作人员」第13行：单位「新塘村村委会」有重名（区划 430422101201、430422102201），请填写单位区划代码。",
    ]
    for line in expected:
        assert any(e.startswith(line) for e in errors), line
    assert len(errors) == len(expected)
    assert _counts() == (0, 0, 0, 0)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(ImportRejected, match="无法读取文件"):
        _import(path)


def test_a_sheet_without_its_required_columns_is_refused(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = STAFF
    wb.active.append(["姓名", "手机号"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(ImportRejected, match="缺少列：用户名、角色"):
        _import(tmp_path / "x.xlsx")


def test_a_plain_administrator_cannot_import_a_discipline_account(tmp_path, people):
    from .test_admin import make_plain_admin

    with pytest.raises(ImportRejected) as rejected:
        _import(write_county_file(tmp_path / "county.xlsx"), acting_user=make_plain_admin())
    assert rejected.value.errors == [
        "工作表「工作人员」第6行：纪检干部账号只能由超级管理员导入或修改。"
    ]
    assert not Staff.objects.filter(username="jw_officer").exists()


def test_a_plain_administrator_cannot_change_an_existing_discipline_account(tmp_path, people):
    from .test_admin import make_plain_admin

    sheets = {STAFF: [["t_discipline", "纪检干部", "", "承办人", "县纪委监委", "", "", "是"]]}
    with pytest.raises(ImportRejected, match="只能由超级管理员"):
        _import(write_county_file(tmp_path / "x.xlsx", sheets), acting_user=make_plain_admin())
    people.discipline.refresh_from_db()
    assert people.discipline.role_set == {Role.DISCIPLINE}


def test_a_plain_administrator_may_reimport_an_unchanged_export(tmp_path, people):
    from .test_admin import make_plain_admin

    export_directory(tmp_path / "export.xlsx")
    result = _import(tmp_path / "export.xlsx", acting_user=make_plain_admin())
    assert all(c["新增"] == 0 and c["更新"] == 0 for c in result.counts.values())


def test_a_superuser_may_import_a_discipline_account(tmp_path, people):
    _import(write_county_file(tmp_path / "county.xlsx"), acting_user=people.admin)
    assert Staff.objects.get(username="jw_officer").role_set == {Role.DISCIPLINE}


def test_export_then_import_round_trips_the_test_county(tmp_path, county):
    before = _counts()
    export_directory(tmp_path / "export.xlsx")
    result = _import(tmp_path / "export.xlsx")
    assert _counts() == before
    assert all(c["新增"] == 0 and c["更新"] == 0 for c in result.counts.values())


def test_every_import_and_export_is_audited(tmp_path, people):
    _import(write_county_file(tmp_path / "county.xlsx"), acting_user=people.admin)
    row = AuditLog.objects.get(action="directory_imported")
    assert row.actor == people.admin and "工作人员：新增 7" in row.detail
    assert AuditLog.objects.filter(action="staff_created", actor=people.admin).count() == 7
    export_directory(tmp_path / "export.xlsx", acting_user=people.admin)
    assert AuditLog.objects.filter(action="directory_exported", actor=people.admin).exists()


def test_imported_accounts_cannot_sign_in_until_given_a_password(tmp_path):
    _import(write_county_file(tmp_path / "county.xlsx"))
    assert not Staff.objects.get(username="dispatch1").has_usable_password()


def test_the_command_writes_initial_passwords_readable_by_its_owner_only(tmp_path):
    out = tmp_path / "passwords.csv"
    stdout = io.StringIO()
    call_command(
        "import_directory",
        str(write_county_file(tmp_path / "county.xlsx")),
        passwords_out=str(out),
        stdout=stdout,
    )
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["用户名", "初始密码"] and len(rows) == 8
    username, password = rows[1]
    assert authenticate(username=username, password=password) is not None
    assert "工作人员：新增 7" in stdout.getvalue()


def test_the_command_lists_every_bad_row_and_fails(tmp_path):
    def edit(sheets):
        sheets[STAFF][0][3] = "打杂"

    err = io.StringIO()
    with pytest.raises(CommandError, match="导入未执行：共 1 处问题"):
        call_command(
            "import_directory", str(write_county_file(tmp_path / "bad.xlsx", edit=edit)), stderr=err
        )
    assert "工作表「工作人员」第2行：角色「打杂」不存在" in err.getvalue()
    assert _counts() == (0, 0, 0, 0)


def test_export_directory_on_an_empty_database_writes_the_empty_template(tmp_path):
    from openpyxl import load_workbook

    call_command("export_directory", str(tmp_path / "t.xlsx"), stdout=io.StringIO())
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["填写说明", "行政区划", "单位", "职务", "工作人员"]
    assert [c.value for c in wb["工作人员"][1]][:4] == ["用户名", "姓名", "手机号", "角色"]
    assert wb["工作人员"].max_row == 1


def test_a_division_cannot_be_moved_under_its_own_village(tmp_path, county):
    sheets = {DIVISIONS: [["430422101", "茶市镇", "乡镇（街道）", "430422101201"]]}
    with pytest.raises(ImportRejected, match="上级区划不能是本区划的下级"):
        _import(write_county_file(tmp_path / "x.xlsx", sheets))
    county.town_a.refresh_from_db()
    assert county.town_a.parent == county.county
