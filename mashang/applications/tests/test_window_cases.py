"""The window's intake (一窗受理) follows the 情形 the clerk picks, like the online form: only
that 情形's materials are listed and recorded, the applicant block's fields are asked once;
a missing material is still the window's call (补正 / 容缺), never one of another 情形."""

import pytest
from django.urls import reverse

from mashang.applications import actions
from mashang.applications.models import Application
from mashang.applications.workflow import TransitionError
from mashang.catalog.testing import build_item, material_type

from .conftest import jpeg, pdf
from .test_cases_fields_uploads import cased  # noqa: F401 - fixture
from .test_pages import login

pytestmark = pytest.mark.django_db
PERSON = {
    "applicant_kind": "person",
    "applicant_name": "赵六",
    "applicant_id_number": "430422199202021231",
    "applicant_phone": "13800138000",
    "delivery": "pickup",
}


def window_url(item=None, bundle=None, **answers):
    target = f"item={item.code}" if item is not None else f"bundle={bundle.code}"
    extra = "".join(f"&{k}={v}" for k, v in answers.items())
    return f"{reverse('window_new')}?{target}{extra}"


def test_the_clerk_picks_the_case_and_the_checklist_is_that_cases(
    client,
    people,
    cased,  # noqa: F811
    catalog,
):
    login(client, people.window_clerk)
    first = client.get(window_url(cased.item)).content.decode()
    assert "是否委托他人代为办理？" in first and 'id="window-form"' not in first
    assert 'name="c1" value="1"' in first and 'name="c1" value="2"' in first
    alone = client.get(window_url(cased.item, c1=1)).content.decode()
    assert 'id="window-form"' in alone and "授权委托书" not in alone
    assert f'name="seen" value="{catalog.id_card.pk}"' in alone
    assert '<input type="hidden" name="c1" value="1">' in alone
    by_proxy = client.get(window_url(cased.item, c1=2)).content.decode()
    assert "授权委托书（必交）" in by_proxy
    assert f'name="seen" value="{cased.proxy.pk}"' in by_proxy
    assert f'name="file_{cased.proxy.pk}"' in by_proxy


def test_the_window_records_only_the_chosen_cases_materials_and_the_case(
    client,
    people,
    cased,  # noqa: F811
    catalog,
):
    login(client, people.window_clerk)
    data = {
        **PERSON,
        "c1": "1",
        "f_project_name": "旧房",
        # a tick and a scan for the letter of the other 情形 (a stale or forged form)
        "seen": [str(catalog.id_card.pk), str(cased.proxy.pk)],
        f"file_{cased.proxy.pk}": pdf(),
    }
    response = client.post(window_url(cased.item), data)
    application = Application.objects.get()
    assert response.url == reverse("application_detail", args=[application.pk])
    assert {m.name: m.state for m in application.materials.all()} == {"居民身份证": "received"}
    assert "办理情形：是否委托他人代为办理？本人办理" in application.events.get().note
    actions.accept_application(application, acting_user=people.window_clerk)


def test_a_material_of_the_chosen_case_stays_the_windows_call(
    client,
    people,
    cased,  # noqa: F811
    catalog,
):
    """At the window a missing material is filed as missing (补正 / 容缺 decided later), but it
    is the chosen 情形's: acceptance then asks for the letter."""
    login(client, people.window_clerk)
    data = {**PERSON, "c1": "2", "f_project_name": "旧房", "seen": [str(catalog.id_card.pk)]}
    assert client.post(window_url(cased.item), data).status_code == 302
    application = Application.objects.get()
    states = {m.name: m.state for m in application.materials.all()}
    assert states == {"居民身份证": "received", "授权委托书": "missing"}
    with pytest.raises(TransitionError, match="授权委托书"):
        actions.accept_application(application, acting_user=people.window_clerk)
    letter = application.materials.get(name="授权委托书")
    actions.request_correction(application, {letter.pk: ""}, acting_user=people.window_clerk)
    application.refresh_from_db()
    assert application.status == "correction"


def test_the_case_must_be_answered_at_the_window(
    client,
    people,
    cased,  # noqa: F811
    catalog,
):
    login(client, people.window_clerk)
    data = {**PERSON, "f_project_name": "旧房", "seen": [str(catalog.id_card.pk)]}
    response = client.post(window_url(cased.item, c1=1), data)  # the answer not posted back
    assert response.status_code == 200 and not Application.objects.exists()
    assert "请先回答办理情形：是否委托他人代为办理？" in response.content.decode()
    response = client.post(window_url(cased.item), {**data, "c1": "9"})
    assert "请先回答办理情形" in response.content.decode()
    assert not Application.objects.exists()


def test_the_applicant_block_is_asked_once_at_the_window(
    client,
    people,
    cased,  # noqa: F811
    catalog,
):
    login(client, people.window_clerk)
    page = client.get(window_url(cased.item, c1=1)).content.decode()
    assert page.count("身份证号") == 1 and 'name="f_id_number"' not in page
    assert 'name="f_applicant_name"' not in page and 'name="f_phone"' not in page
    assert 'name="f_project_name"' in page
    missing = client.post(window_url(cased.item), {**PERSON, "c1": "1", "f_project_name": ""})
    body = missing.content.decode()
    assert "请填写项目名称" in body and "请填写申请人姓名" not in body
    assert 'name="applicant_name" value="赵六"' in body  # the clerk's typing is kept
    data = {**PERSON, "c1": "1", "f_project_name": "旧房", "seen": [str(catalog.id_card.pk)]}
    client.post(window_url(cased.item), data)
    form = Application.objects.get().form_data
    assert form["applicant_name"] == "赵六" and form["id_number"] == "430422199202021231"
    assert form["phone"] == "13800138000" and form["project_name"] == "旧房"


def test_a_firm_item_at_the_window_takes_the_firm_from_the_applicant_block(
    client,
    people,
    cased,  # noqa: F811
    catalog,
):
    login(client, people.window_clerk)
    page = client.get(window_url(cased.firm)).content.decode()
    assert 'name="f_company_name"' not in page and 'value="firm" selected' in page
    seen = {"seen": [str(catalog.id_card.pk)]}
    as_person = client.post(window_url(cased.firm), {**PERSON, **seen})
    assert "本事项须以企业名义申请" in as_person.content.decode()
    firm = {"applicant_kind": "firm", "firm_name": "衡南建工", "firm_uscc": "91350100M000100Y43"}
    assert client.post(window_url(cased.firm), {**PERSON, **firm, **seen}).status_code == 302
    assert Application.objects.get().form_data == {
        "company_name": "衡南建工",
        "uscc": "91350100M000100Y43",
    }


def test_a_bundle_at_the_window_files_only_the_cases_parts(
    client,
    people,
    cased,  # noqa: F811
    catalog,
):
    login(client, people.window_clerk)
    page = client.get(window_url(bundle=catalog.bundle, c1=2)).content.decode()
    assert "社保卡照片" not in page and 'id="window-form"' in page
    assert "社保卡照片" in client.get(window_url(bundle=catalog.bundle, c1=1)).content.decode()
    data = {**PERSON, "c1": "2", "f_project_name": "新建厂房", "seen": [str(catalog.id_card.pk)]}
    assert client.post(window_url(bundle=catalog.bundle), data).status_code == 302
    parent = Application.objects.get(parent__isnull=True)
    assert sorted(p.title for p in parent.parts.all()) == ["取水许可", "建筑工程施工许可"]
    assert "社保卡照片" not in [m.name for m in parent.materials.all()]


def test_at_the_window_the_application_form_is_a_material_to_collect(client, catalog, people):
    """Online the form is the 申请表; at the counter the signed paper is collected."""
    form_type = material_type("application_form", "申请表")
    version = build_item(
        people.admin, catalog.house.unit, "临时占道审批", materials=[form_type, catalog.id_card]
    )
    login(client, people.window_clerk)
    page = client.get(window_url(version.item)).content.decode()
    assert "网上填写" not in page and f'name="seen" value="{form_type.pk}"' in page
    data = {**PERSON, "seen": [str(catalog.id_card.pk), str(form_type.pk)], "s": jpeg()}
    assert client.post(window_url(version.item), data).status_code == 302
    states = {m.name: m.state for m in Application.objects.get().materials.all()}
    assert states == {"申请表": "received", "居民身份证": "received"}
