"""Applications in a real browser: a citizen applies online (a 一件事 and a single item),
gets a 补正 notice, supplements and downloads the result; a window clerk accepts with 容缺,
prints the commitment, and the supplement deadline lapses into withdrawal."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from mashang.applications import actions
from mashang.applications.choices import Decision, Status
from mashang.applications.models import Application
from mashang.applications.sweep import run_application_sweep
from mashang.applications.tests.conftest import _media, catalog, pdf  # noqa: F401 - fixtures
from mashang.applications.uploads import clean_material
from mashang.catalog.models import Bundle, BundleItem
from mashang.catalog.testing import build_item
from mashang.notifications.models import Message
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13900139000"


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 90, 160)).save(buf, "JPEG")
    return buf.getvalue()


def _sign_in_by_phone(page):
    page.fill("#phone", PHONE)
    page.click("button[value=send]")
    body = Message.objects.filter(template="sms_code").latest("id").body
    page.fill("#code", "".join(ch for ch in body if ch.isdigit())[:6])
    page.click("button[value=verify]")


def _fill_applicant(page):
    page.fill("#applicant_name", "李四")
    page.fill("#applicant_id_number", "43042219900101123X")


def test_a_citizen_applies_online_is_asked_to_correct_supplements_and_downloads_the_result(
    live_server,
    phone,
    people,
    catalog,  # noqa: F811
):
    newborn = Bundle.objects.create(
        code="newborn", name="新生儿出生一件事", lead_unit=catalog.house.unit, promised_limit_days=5
    )
    birth = build_item(
        people.admin, catalog.house.unit, "出生医学证明签发", materials=[catalog.id_card]
    )
    hukou = build_item(people.admin, catalog.water.unit, "出生登记", materials=[catalog.id_card])
    BundleItem.objects.create(bundle=newborn, item=birth.item, order=1)
    BundleItem.objects.create(bundle=newborn, item=hukou.item, order=2)

    phone.goto(f"{live_server.url}/services/apply/bundle/newborn")
    _sign_in_by_phone(phone)
    assert "新生儿出生一件事" in phone.inner_text("h1")
    _fill_applicant(phone)
    phone.set_input_files(
        f"#file_{catalog.id_card.pk}",
        files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_bytes()}],
    )
    phone.click("#apply-form button[type=submit]")
    assert "待预审" in phone.inner_text("#my-status")
    bundle_app = Application.objects.get(bundle=newborn, parent__isnull=True)
    assert bundle_app.parts.count() == 2

    phone.goto(f"{live_server.url}/services/apply/item/{catalog.house.code}")
    _fill_applicant(phone)
    phone.fill("#f_project_name", "自建住房")
    phone.click("#apply-form button[type=submit]")
    # The 身份证 is required (not 容缺): the form says so and keeps what was typed.
    expect(phone.locator("#error-summary")).to_contain_text("请上传居民身份证")
    assert phone.input_value("#f_project_name") == "自建住房"
    phone.set_input_files(
        f"#file_{catalog.id_card.pk}",
        files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_bytes()}],
    )
    phone.fill("#applicant_id_number", "43042219900101123X")
    phone.click("#apply-form button[type=submit]")
    expect(phone.locator("#my-status")).to_contain_text("待预审")
    single = Application.objects.get(item=catalog.house)
    phone.goto(f"{live_server.url}/my/")
    mine = phone.inner_text("#my-applications")
    assert single.number in mine and bundle_app.number in mine

    actions.request_correction(single, {}, acting_user=people.window_clerk)
    phone.goto(f"{live_server.url}/my/{single.number}")
    assert "待补正" in phone.inner_text("#my-status")
    assert "一次性告知" in phone.inner_text("#timeline")
    for m in single.materials.exclude(state__in=["received", "shared"]):
        phone.set_input_files(
            f"#file_{m.pk}",
            files=[{"name": "m.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_bytes()}],
        )
    phone.click("#supplement-form button[type=submit]")
    assert "待预审" in phone.inner_text("#my-status")

    actions.accept_application(single, acting_user=people.window_clerk)
    actions.decide(
        single,
        Decision.APPROVE,
        acting_user=people.reviewer_a,
        result_file=clean_material(pdf()).content,
    )
    phone.goto(f"{live_server.url}/my/{single.number}")
    href = phone.get_attribute("#download-result", "href")
    result = phone.request.get(live_server.url + href)
    assert result.status == 200 and result.body().startswith(b"%PDF")


def test_a_window_clerk_accepts_with_deferral_prints_the_commitment_and_it_lapses(
    live_server,
    desktop,
    people,
    catalog,  # noqa: F811
):
    desktop.goto(f"{live_server.url}/staff/login/")
    desktop.fill("#id_username", people.window_clerk.username)
    desktop.fill("#id_password", PASSWORD)
    desktop.click("button[type=submit]")
    desktop.goto(f"{live_server.url}/staff/applications/new/")
    desktop.fill("#catalogue-q", "施工许可")
    desktop.click("form.filters button[type=submit]")
    desktop.click("#item-results a")
    desktop.fill("input[name=applicant_name]", "赵六")
    desktop.fill("input[name=applicant_id_number]", "430422199202021231")
    desktop.fill("input[name=applicant_phone]", "13800138000")
    desktop.fill("input[name=f_project_name]", "农村自建房")
    desktop.check(f"input[name=seen][value='{catalog.id_card.pk}']")
    desktop.click("#window-form button[type=submit]")
    assert "待预审" in desktop.inner_text("#status")
    desktop.fill("#action-defer input[name=days]", "2")
    desktop.check("#action-defer input[name=signed]")
    desktop.click("#action-defer button[type=submit]")
    assert "容缺受理" in desktop.inner_text("#status")
    href = desktop.get_attribute("#documents a:has-text('容缺受理承诺书')", "href")
    printed = desktop.request.get(live_server.url + href)
    assert printed.status == 200 and printed.body().startswith(b"%PDF")

    application = Application.objects.get()
    assert run_application_sweep(application.supplement_due_at)["lapsed"] == 1
    desktop.reload()
    assert "已撤回" in desktop.inner_text("#status")
    assert "视为撤回" in desktop.inner_text("#events")
    assert Application.objects.get().status == Status.WITHDRAWN


def test_the_form_follows_the_case_chosen_in_the_guide(live_server, phone, people, catalog):  # noqa: F811
    """The guide's 情形 answer goes on to the form: 委托 asks for the 授权委托书, 本人 does not;
    the applicant's name and ID number are asked once."""
    from mashang.catalog.models import CaseOption, CaseQuestion
    from mashang.catalog.testing import form_field, material_type

    proxy = material_type("proxy_letter", "授权委托书")
    version = build_item(
        people.admin,
        catalog.house.unit,
        "房屋安全鉴定",
        materials=[catalog.id_card, proxy],
        fields=[form_field("applicant_name", "申请人姓名"), form_field("id_number", "身份证号")],
    )
    q = CaseQuestion.objects.create(version=version, text="是否委托他人代为办理？")
    CaseOption.objects.create(question=q, label="本人办理", order=0)
    by_proxy = CaseOption.objects.create(question=q, label="委托他人办理", order=1)
    version.materials.get(material_type=proxy).case_options.add(by_proxy)

    phone.goto(f"{live_server.url}/services/items/{version.item.code}/")
    phone.get_by_label("委托他人办理").check()
    phone.click("#cases button[type=submit]")
    phone.click("#apply-online")
    _sign_in_by_phone(phone)
    expect(phone.locator("#apply-materials")).to_contain_text("授权委托书（必交）")
    expect(phone.locator("#case-summary")).to_contain_text("委托他人办理")
    assert phone.locator("text=身份证号").count() == 1  # asked once, in the applicant block
    _fill_applicant(phone)  # typed before 修改情形: it survives the change
    phone.get_by_label("本人办理").check()
    phone.click("#apply-cases button[type=submit]")
    expect(phone.locator("#case-summary")).to_contain_text("本人办理")
    expect(phone.locator("#apply-materials")).not_to_contain_text("授权委托书")
    expect(phone.locator("#applicant_name")).to_have_value("李四")
    expect(phone.locator("#applicant_id_number")).to_have_value("43042219900101123X")
    phone.set_input_files(
        f"#file_{catalog.id_card.pk}",
        files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_bytes()}],
    )
    phone.click("#apply-form button[type=submit]")
    expect(phone.locator("#my-status")).to_contain_text("待预审")
    application = Application.objects.get(item=version.item)
    assert [m.name for m in application.materials.all()] == ["居民身份证"]
    assert application.form_data["id_number"] == "43042219900101123X"
    # Before acceptance the applicant may still replace the file.
    expect(phone.locator("#upload-rule")).to_contain_text("受理前")
