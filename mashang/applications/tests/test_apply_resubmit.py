"""The online form after a failed submit: the files that passed are kept for that session
only, every missing material is listed at once, 修改情形 keeps what was typed; ID numbers are
checked (GB 11643) wherever an application is filed; the online 申请表 reads 网上填写."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mashang.applications import actions, pending
from mashang.applications.models import Application
from mashang.catalog.testing import build_item, material_type

from .conftest import jpeg, pdf
from .test_cases_fields_uploads import ME, apply_url, cased  # noqa: F401 - fixture
from .test_pages import login, prove_phone
from .test_window_cases import PERSON, window_url

pytestmark = pytest.mark.django_db
BAD_ID = "430422199001011234"  # the check digit of 43042219900101123 is X


def _token(page: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)


def _kept_files() -> list[str]:
    try:
        return default_storage.listdir(pending.FOLDER)[1]
    except FileNotFoundError:
        return []


def test_a_failed_submit_keeps_the_files_that_passed_and_lists_every_problem(
    client,
    cased,  # noqa: F811
    catalog,
):
    prove_phone(client)
    url = apply_url(cased.item, c1=2)
    token = _token(client.get(url).content.decode())
    # Nothing chosen, no name: every missing material is listed at once.
    page = client.post(url, {"c1": "2", "token": token, "delivery": "electronic"}).content
    page = page.decode()
    assert "请上传居民身份证" in page and "请上传授权委托书" in page and "请填写申请人姓名" in page
    # The ID card chosen, the letter forgotten: the card is kept, named on the form.
    data = {"c1": "2", "token": token, "delivery": "electronic", "f_project_name": "旧房", **ME}
    id_card = jpeg(name="身份证正面.jpg")
    page = client.post(url, {**data, f"file_{catalog.id_card.pk}": id_card}).content.decode()
    assert "请上传授权委托书" in page and "请上传居民身份证" not in page
    assert "已上传：身份证正面.jpg（可重新选择替换）" in page
    assert len(_kept_files()) == 1 and not Application.objects.exists()
    # The next submit brings only the letter: the kept card is filed with it, then let go.
    response = client.post(url, {**data, f"file_{cased.proxy.pk}": pdf()})
    assert response.status_code == 302
    materials = {m.name: m for m in Application.objects.get().materials.all()}
    assert materials["居民身份证"].state == "received"
    assert materials["居民身份证"].files.get().content_type == "image/jpeg"
    assert materials["授权委托书"].files.count() == 1
    assert _kept_files() == [] and not client.session.get(pending.SESSION_KEY)


def test_a_file_chosen_again_replaces_the_kept_one(client, cased, catalog):  # noqa: F811
    prove_phone(client)
    url = apply_url(cased.item, c1=2)
    token = _token(client.get(url).content.decode())
    data = {"c1": "2", "token": token, "delivery": "electronic", "f_project_name": "旧房", **ME}
    client.post(url, {**data, f"file_{catalog.id_card.pk}": jpeg(name="old.jpg")})
    first = _kept_files()
    page = client.post(url, {**data, f"file_{catalog.id_card.pk}": pdf(name="new.pdf")})
    page = page.content.decode()
    assert "已上传：new.pdf" in page and "old.jpg" not in page
    assert len(_kept_files()) == 1 and _kept_files() != first
    # A bad file chosen again is refused with its message; the kept one stays.
    junk = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    bad = client.post(url, {**data, f"file_{catalog.id_card.pk}": junk}).content.decode()
    assert "不是 PDF、JPG 或 PNG 文件" in bad and "已上传：new.pdf" in bad


def test_kept_files_serve_no_other_session_even_with_the_token(client, cased, catalog):  # noqa: F811
    prove_phone(client)
    url = apply_url(cased.item, c1=2)
    token = _token(client.get(url).content.decode())
    data = {"c1": "2", "token": token, "delivery": "electronic", "f_project_name": "旧房", **ME}
    client.post(url, {**data, f"file_{catalog.id_card.pk}": jpeg()})
    other = Client()
    prove_phone(other, phone="13700137000")
    page = other.post(url, {**data, f"file_{cased.proxy.pk}": pdf()}).content.decode()
    assert "请上传居民身份证" in page and "已上传：scan.jpg" not in page
    assert not Application.objects.exists()
    # The kept file has no address: nothing under the media URL, no view names it.
    assert pending.FOLDER not in client.get(url).content.decode()


def test_kept_files_expire(client, cased, catalog):  # noqa: F811
    prove_phone(client)
    url = apply_url(cased.item, c1=2)
    token = _token(client.get(url).content.decode())
    data = {"c1": "2", "token": token, "delivery": "electronic", "f_project_name": "旧房", **ME}
    client.post(url, {**data, f"file_{catalog.id_card.pk}": jpeg()})
    assert pending.purge() == 0 and len(_kept_files()) == 1
    assert pending.purge(timezone.now() + pending.MAX_AGE + timedelta(minutes=1)) == 1
    assert _kept_files() == []
    # The session still names it, but the file is gone: the form asks for it again.
    page = client.post(url, {**data, f"file_{cased.proxy.pk}": pdf()}).content.decode()
    assert "请上传居民身份证" in page
    from mashang.core import jobs

    assert jobs.get("application_pending_purge").func is pending.purge


def test_changing_the_case_keeps_what_was_typed(client, cased, catalog):  # noqa: F811
    prove_phone(client)
    url = apply_url(cased.item, c1=1)
    page = client.get(url).content.decode()
    assert 'form="apply-form" name="action" value="cases"' in page
    data = {
        "c1": "2",  # 委托他人办理 now
        "action": "cases",
        "token": _token(page),
        "applicant_name": "李四",
        "applicant_id_number": "43042219900101123X",
        "f_project_name": "老屋翻修",
        "delivery": "electronic",
        f"file_{catalog.id_card.pk}": jpeg(name="card.jpg"),
    }
    page = client.post(url, data).content.decode()
    assert not Application.objects.exists()
    assert "授权委托书（必交）" in page and "请修改以下内容" not in page
    assert 'value="李四"' in page and 'value="43042219900101123X"' in page
    assert 'value="老屋翻修"' in page and "已上传：card.jpg" in page
    assert re.search(r'name="c1" value="2" form="apply-form" checked', page)


# --- ID numbers: GB 11643 check digit --------------------------------------------------------


def test_the_online_form_checks_the_id_numbers_check_digit(client, cased, catalog):  # noqa: F811
    prove_phone(client)
    url = apply_url(cased.item, c1=1)
    data = {**ME, "c1": "1", "applicant_id_number": BAD_ID, "f_project_name": "旧房"}
    data[f"file_{catalog.id_card.pk}"] = jpeg()
    page = client.post(url, data).content.decode()
    assert actions.ID_CHECK_MESSAGE == "身份证号码校验位不正确，请核对"
    assert actions.ID_CHECK_MESSAGE in page and not Application.objects.exists()


def test_a_form_field_of_kind_id_number_is_checked_too(catalog):
    from mashang.catalog.models import FormField

    field = FormField.objects.create(code="spouse_id", label="配偶身份证号", kind="id_number")
    with pytest.raises(actions.FilingError) as refused:
        actions.validate_form([(field, True)], {"spouse_id": BAD_ID})
    assert refused.value.errors == {"f_spouse_id": "配偶身份证号校验位不正确，请核对"}
    assert actions.validate_form([(field, True)], {"spouse_id": "43042219900101123X"})


def test_the_window_checks_the_id_numbers_check_digit(client, people, cased, catalog):  # noqa: F811
    login(client, people.window_clerk)
    data = {**PERSON, "c1": "1", "f_project_name": "旧房", "seen": [str(catalog.id_card.pk)]}
    page = client.post(
        window_url(cased.item), {**data, "applicant_id_number": "43042219500101123X"}
    )
    assert actions.ID_CHECK_MESSAGE in page.content.decode()
    assert not Application.objects.exists()


def test_the_api_checks_the_id_numbers_check_digit(client, catalog):
    from .test_api import _code, _payload

    response = client.post(
        "/api/v1/applications",
        _payload(catalog, _code(client), applicant_id_number=BAD_ID),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["applicant_id_number"] == actions.ID_CHECK_MESSAGE


def test_the_proxy_form_checks_the_id_numbers_check_digit(people, catalog):
    from mashang.hall.tests.test_proxy import authorise

    with pytest.raises(actions.FilingError) as refused:
        authorise(people, principal_id_number="430422194501011234")
    assert refused.value.errors["principal_id_number"] == actions.ID_CHECK_MESSAGE


# --- the online 申请表 ------------------------------------------------------------------------------


def test_the_online_application_form_reads_filled_online(client, catalog, people):
    form_type = material_type("application_form", "申请表")
    version = build_item(
        people.admin, catalog.house.unit, "临时占道审批", materials=[form_type, catalog.id_card]
    )
    prove_phone(client)
    url = reverse("apply", args=["item", version.item.code])
    data = {**ME, "delivery": "electronic", f"file_{catalog.id_card.pk}": jpeg()}
    assert client.post(url, data).status_code == 302
    application = Application.objects.get()
    page = client.get(reverse("my_detail", args=[application.number])).content.decode()
    assert "申请表：网上填写" in page and "共享获取" not in page
    assert application.materials.get(name="申请表").state_label == "网上填写"


def test_over_the_api_the_application_form_reads_filled_online(client, catalog, people):
    from .test_api import _code, _payload

    form_type = material_type("application_form", "申请表")
    version = build_item(people.admin, catalog.house.unit, "临时占道审批", materials=[form_type])
    payload = _payload(catalog, _code(client), item_code=version.item.code, form={})
    response = client.post("/api/v1/applications", payload, content_type="application/json")
    assert response.status_code == 201
    labels = {m["name"]: m["state_label"] for m in response.json()["materials"]}
    assert labels == {"申请表": "网上填写"}
