import io

import pytest
from openpyxl import load_workbook

from mashang.catalog.excel import export_catalog, import_catalog
from mashang.catalog.models import Bundle, Item, ItemVersion
from mashang.catalog.queries import bundle_view, current_versions
from mashang.catalog.testing import build_item
from mashang.catalog.versions import snapshot

from .test_reductions import make_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(county, kit):
    user = county.people.catalog_admin
    a = build_item(
        user,
        county.units.water,
        "=取水许可",  # a formula-looking name must come back as text
        steps=3,
        materials=[kit.id_card, (kit.photo, {"may_be_missing": True})],
        fields=[kit.name, kit.id_number],
        produces=[kit.birth_cert],
    )
    b = build_item(
        user, county.units.housing, "出生登记", steps=2, materials=[kit.id_card, kit.birth_cert]
    )
    make_bundle(county, [a, b], steps=1, days=2)
    return a, b


def _export() -> io.BytesIO:
    out = io.BytesIO()
    export_catalog(out)
    out.seek(0)
    return out


def _state():
    versions = current_versions()
    items = {
        i.code: snapshot(ItemVersion.objects.get(pk=versions[i.pk].pk)) for i in Item.objects.all()
    }
    bundles = {
        b.code: {k: (r.bundle_value, r.items_value) for k, r in bundle_view(b).reductions.items()}
        for b in Bundle.objects.all()
    }
    return items, bundles


def test_export_then_import_on_a_fresh_database_gives_the_same_catalogue(
    catalogue, django_db_blocker
):
    file = _export()
    before = _state()
    # A fresh catalogue: the same county, no items, no dictionaries.
    Bundle.objects.all().delete()
    from mashang.catalog.models import FormField, MaterialType, Topic

    Item.objects.all().delete()
    MaterialType.objects.all().delete()
    FormField.objects.all().delete()
    Topic.objects.all().delete()
    report = import_catalog(file)
    assert report.ok, report.errors
    assert report.created == 2 and report.bundles == 1
    assert _state() == before


def test_importing_the_same_file_twice_changes_nothing(catalogue):
    report = import_catalog(_export())
    assert report.ok, report.errors
    assert (report.created, report.changed, report.unchanged) == (0, 0, 2)
    assert ItemVersion.objects.count() == 2


def test_a_changed_row_becomes_a_new_published_version(catalogue):
    file = _export()
    wb = load_workbook(file)
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("咨询电话") + 1, value="0734-1234567")
    ws.cell(row=2, column=header.index("生效日期") + 1, value="2099-01-01")
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    report = import_catalog(out)
    assert report.ok, report.errors
    assert report.changed == 1
    v2 = ItemVersion.objects.get(item__code=ws.cell(row=2, column=1).value, number=2)
    assert v2.phone == "0734-1234567" and str(v2.effective_from) == "2099-01-01"
    assert v2.item.versions.get(number=1).effective_to == v2.effective_from


def test_a_bad_file_is_refused_whole_with_every_bad_row_in_chinese(catalogue):
    file = _export()
    wb = load_workbook(file)
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("承诺时限（工作日）") + 1, value=99)
    ws.cell(row=3, column=header.index("实施单位") + 1, value="不存在的局")
    ws.append(["NEW-1", "B-NEW", "新事项", "县水利局"])  # incomplete row
    wb["材料"].cell(row=2, column=7, value="原件复印件都行")
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    before = (Item.objects.count(), ItemVersion.objects.count())
    report = import_catalog(out)
    assert not report.ok
    text = "\n".join(report.errors)
    assert "工作表「事项」第2行：承诺时限不能超过法定时限" in text
    assert "工作表「事项」第3行：没有名为“不存在的局”的单位" in text
    assert "工作表「事项」第4行" in text
    assert "工作表「材料」第2行：形式“原件复印件都行”不是有效选项" in text
    assert (Item.objects.count(), ItemVersion.objects.count()) == before


def test_text_cells_are_never_formulas(catalogue):
    wb = load_workbook(_export())
    cell = next(c for c in wb["事项"]["C"] if c.value == "=取水许可")
    assert cell.data_type == "s"


def test_a_file_that_is_not_a_workbook_is_refused(db):
    report = import_catalog(io.BytesIO(b"not a workbook"))
    assert not report.ok and "无法读取" in report.errors[0]


def _bundle_cases() -> dict:
    """Each bundle's own 情形 and which members their options bring in."""
    from mashang.catalog.models import BundleItem, CaseQuestion

    return {
        b.code: (
            [
                (q.text, [o.label for o in q.options.all()])
                for q in CaseQuestion.objects.filter(bundle=b).prefetch_related("options")
            ],
            {
                m.item.code: sorted(o.label for o in m.case_options.all())
                for m in BundleItem.objects.filter(bundle=b).select_related("item")
            },
        )
        for b in Bundle.objects.all()
    }


@pytest.fixture
def bundle_with_cases(catalogue):
    from mashang.catalog.models import CaseOption, CaseQuestion

    bundle = Bundle.objects.get()
    q = CaseQuestion.objects.create(bundle=bundle, text="是否同时申领社会保障卡？")
    yes = CaseOption.objects.create(question=q, label="是", order=0)
    CaseOption.objects.create(question=q, label="否", order=1)
    bundle.members.get(item=catalogue[1].item).case_options.add(yes)
    return bundle


def _with_bundle_cell(file, column: str, value) -> io.BytesIO:
    wb = load_workbook(file)
    ws = wb["一件事"]
    header = [c.value for c in ws[1]]
    if value is None:  # an older file, written before the column existed
        ws.delete_cols(header.index(column) + 1)
    else:
        ws.cell(row=2, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_a_bundles_own_cases_survive_export_and_import_on_a_fresh_catalogue(bundle_with_cases):
    before = _bundle_cases()
    assert before[bundle_with_cases.code][0] == [("是否同时申领社会保障卡？", ["是", "否"])]
    file = _export()
    Bundle.objects.all().delete()
    report = import_catalog(file)
    assert report.ok, report.errors
    assert _bundle_cases() == before


def test_an_older_file_without_the_case_columns_keeps_the_bundles_cases(bundle_with_cases):
    before = _bundle_cases()
    file = _with_bundle_cell(_export(), "事项适用情形", None)
    file = _with_bundle_cell(file, "情形", None)
    report = import_catalog(file)
    assert report.ok, report.errors
    assert _bundle_cases() == before


def test_a_member_case_that_is_not_an_option_is_refused_and_nothing_changes(bundle_with_cases):
    before = _bundle_cases()
    code = bundle_with_cases.members.first().item.code
    report = import_catalog(_with_bundle_cell(_export(), "事项适用情形", f"{code}|也许"))
    assert not report.ok
    assert "事项适用情形“也许”不是该一件事情形的选项" in "\n".join(report.errors)
    assert _bundle_cases() == before
