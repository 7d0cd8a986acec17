"""The apply form follows the 情形 the citizen chose, asks the applicant's own fields once,
and the applicant's uploads after filing follow one rule (page and API alike)."""

import ast
import pathlib
from types import SimpleNamespace

import pytest
from django.urls import reverse

from mashang.applications import actions
from mashang.applications.choices import Decision, Status
from mashang.applications.models import Application, MaterialFile
from mashang.catalog.models import BundleItem, CaseOption, CaseQuestion
from mashang.catalog.testing import build_item, form_field, material_type

from .conftest import jpeg, pdf, reload
from .test_pages import prove_phone

pytestmark = pytest.mark.django_db
ME = {"applicant_name": "李四", "applicant_id_number": "43042219900101123X"}


def _ask(version, text, *labels):
    q = CaseQuestion.objects.create(version=version, text=text)
    return [
        CaseOption.objects.create(question=q, label=label, order=i)
        for i, label in enumerate(labels)
    ]


@pytest.fixture
def cased(catalog, people):
    """An item whose 授权委托书 is needed only when someone else applies (委托), with the
    dictionary's 姓名/身份证号/联系电话 on its form; a firm item; a bundle whose 社保卡 member
    applies only when asked for."""
    proxy = material_type("proxy_letter", "授权委托书")
    fields = [
        form_field("applicant_name", "申请人姓名"),
        form_field("id_number", "身份证号", "id_number"),
        form_field("phone", "联系电话", "phone"),
        form_field("project_name", "项目名称"),
    ]
    version = build_item(
        people.admin,
        catalog.house.unit,
        "房屋安全鉴定",
        materials=[catalog.id_card, proxy],
        fields=fields,
    )
    _self, by_proxy = _ask(version, "是否委托他人代为办理？", "本人办理", "委托他人办理")
    version.materials.get(material_type=proxy).case_options.add(by_proxy)
    firm = build_item(
        people.admin,
        catalog.house.unit,
        "建筑业企业资质核准",
        materials=[catalog.id_card],
        fields=[
            form_field("company_name", "企业名称"),
            form_field("uscc", "统一社会信用代码", "uscc"),
        ],
    )
    card_type = material_type("card_photo", "社保卡照片")
    card = build_item(people.admin, catalog.water.unit, "社会保障卡申领", materials=[card_type])
    q = CaseQuestion.objects.create(bundle=catalog.bundle, text="是否同时申领社会保障卡？")
    yes = CaseOption.objects.create(question=q, label="是", order=0)
    CaseOption.objects.create(question=q, label="否", order=1)
    BundleItem.objects.create(bundle=catalog.bundle, item=card.item, order=3).case_options.add(yes)
    return SimpleNamespace(item=version.item, proxy=proxy, firm=firm.item, card=card.item)


def apply_url(item, **answers):
    url = reverse("apply", args=["item", item.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in answers.items()) if answers else "")


# --- 1. 情形 -----------------------------------------------------------------------------------


def test_the_form_asks_the_case_first_and_lists_only_that_cases_materials(client, cased):
    prove_phone(client)
    first = client.get(apply_url(cased.item)).content.decode()
    assert "是否委托他人代为办理？" in first and 'id="apply-form"' not in first
    alone = client.get(apply_url(cased.item, c1=1)).content.decode()
    assert 'id="apply-form"' in alone and "授权委托书" not in alone
    by_proxy = client.get(apply_url(cased.item, c1=2)).content.decode()
    assert "授权委托书（必交）" in by_proxy


def test_the_guide_passes_its_answers_on_to_the_form(client, cased):
    html = client.get(reverse("guide_item", args=[cased.item.code]), {"c1": "2"}).content.decode()
    assert f'href="{apply_url(cased.item, c1=2)}"' in html


def _post(client, item, data, **files):
    return client.post(
        reverse("apply", args=["item", item.code]),
        {**ME, "f_project_name": "旧房", "delivery": "electronic", **data, **files},
    )


def test_a_material_of_another_case_is_not_demanded(client, cased, catalog):
    prove_phone(client)
    response = _post(client, cased.item, {"c1": "1"}, **{f"file_{catalog.id_card.pk}": jpeg()})
    application = Application.objects.get()
    assert response.status_code == 302
    assert [m.name for m in application.materials.all()] == ["居民身份证"]
    assert "办理情形：是否委托他人代为办理？本人办理" in application.events.get().note


def test_a_required_material_of_the_chosen_case_cannot_be_skipped(client, cased, catalog):
    prove_phone(client)
    response = _post(client, cased.item, {"c1": "2"}, **{f"file_{catalog.id_card.pk}": jpeg()})
    assert response.status_code == 200 and "请上传授权委托书" in response.content.decode()
    # Tampering: the answers dropped from the post do not drop the question.
    response = _post(client, cased.item, {}, **{f"file_{catalog.id_card.pk}": jpeg()})
    assert "请先回答办理情形：是否委托他人代为办理？" in response.content.decode()
    # Nor does an answer that is not one of the options.
    response = _post(client, cased.item, {"c1": "9"}, **{f"file_{catalog.id_card.pk}": jpeg()})
    assert "请先回答办理情形" in response.content.decode()
    assert not Application.objects.exists() and not MaterialFile.objects.exists()
    files = {f"file_{catalog.id_card.pk}": jpeg(), f"file_{cased.proxy.pk}": pdf()}
    assert _post(client, cased.item, {"c1": "2"}, **files).status_code == 302
    assert Application.objects.get().materials.get(name="授权委托书").state == "received"


def test_the_action_refuses_an_unanswered_case_whoever_calls_it(cased):
    from django.http import QueryDict

    plan = actions.filing_plan(cased.item, None, QueryDict())
    with pytest.raises(actions.FilingError) as refused:
        actions.file_application(
            applicant=actions.Applicant("李四", "13900139000", "43042219900101123X"),
            channel="online",
            item=cased.item,
            plan=plan,
        )
    assert "case_c1" in refused.value.errors and not Application.objects.exists()


def test_a_bundle_files_only_the_parts_and_materials_of_the_case(client, cased, catalog):
    prove_phone(client)
    url = reverse("apply", args=["bundle", catalog.bundle.code])
    page = client.get(url + "?c1=2").content.decode()
    assert "社保卡照片" not in page
    files = {f"file_{catalog.id_card.pk}": jpeg(), f"file_{catalog.licence.pk}": pdf()}
    data = {**ME, "c1": "2", "f_project_name": "新建厂房", "delivery": "electronic", **files}
    assert client.post(url, data).status_code == 302
    parent = Application.objects.get(parent__isnull=True)
    assert sorted(p.title for p in parent.parts.all()) == ["取水许可", "建筑工程施工许可"]
    assert "社保卡照片" not in [m.name for m in parent.materials.all()]


# --- 2. the applicant's own fields, once ----------------------------------------------------------


def test_fields_the_applicant_block_collects_are_asked_once_and_stored(client, cased, catalog):
    prove_phone(client)
    page = client.get(apply_url(cased.item, c1=1)).content.decode()
    assert page.count("身份证号") == 1 and 'name="f_id_number"' not in page
    assert 'name="f_applicant_name"' not in page and 'name="f_phone"' not in page
    assert 'name="f_project_name"' in page
    _post(client, cased.item, {"c1": "1"}, **{f"file_{catalog.id_card.pk}": jpeg()})
    form = Application.objects.get().form_data
    assert form["applicant_name"] == "李四" and form["id_number"] == "43042219900101123X"
    assert form["phone"] == "13900139000" and form["project_name"] == "旧房"


def test_a_firm_item_takes_the_firm_from_the_applicant_block(client, cased, catalog):
    prove_phone(client)
    url = apply_url(cased.firm)
    page = client.get(url).content.decode()
    assert 'name="f_company_name"' not in page and 'value="firm" selected' in page
    files = {f"file_{catalog.id_card.pk}": jpeg()}
    as_person = client.post(
        url, {**ME, "applicant_kind": "person", "delivery": "electronic", **files}
    )
    assert "本事项须以企业名义申请" in as_person.content.decode()
    firm = {"applicant_kind": "firm", "firm_name": "衡南建工", "firm_uscc": "91350100M000100Y43"}
    client.post(
        url, {**ME, **firm, "delivery": "electronic", **{f"file_{catalog.id_card.pk}": jpeg()}}
    )
    form = Application.objects.get().form_data
    assert form == {"company_name": "衡南建工", "uscc": "91350100M000100Y43"}


# --- 3. uploads on /my/ -------------------------------------------------------------------------


def _my(client, application, **files):
    return client.post(
        reverse("my_detail", args=[application.number]), {"action": "upload", **files}
    )


def test_before_acceptance_the_applicant_adds_and_replaces_materials(
    client, apply, catalog, django_capture_on_commit_callbacks
):
    application = apply(online=True)
    prove_phone(client)
    page = client.get(reverse("my_detail", args=[application.number])).content.decode()
    photo = application.materials.get(name="近期照片")
    id_card = application.materials.get(name="居民身份证")
    assert f'name="file_{photo.pk}"' in page and "受理前" in page
    _my(client, application, **{f"file_{photo.pk}": jpeg()})
    assert reload(photo).state == "received" and reload(application).status == Status.SUBMITTED
    _my(client, application, **{f"file_{id_card.pk}": jpeg()})
    first = id_card.files.get()
    with django_capture_on_commit_callbacks(execute=True):
        _my(client, application, **{f"file_{id_card.pk}": pdf()})
    assert [f.content_type for f in id_card.files.all()] == ["application/pdf"]
    assert not first.file.storage.exists(first.file.name)
    timeline = client.get(reverse("my_detail", args=[application.number])).content.decode()
    assert "已上传材料：近期照片" in timeline and "重新上传" in timeline


def test_after_acceptance_and_after_the_decision_no_upload(client, apply, catalog, people):
    application = apply(online=True, brought=[catalog.id_card, catalog.photo])
    actions.accept_application(application, acting_user=people.window_clerk)
    prove_phone(client)
    id_card = application.materials.get(name="居民身份证")
    page = client.get(reverse("my_detail", args=[application.number])).content.decode()
    assert f'name="file_{id_card.pk}"' not in page and "正在审查，不能再更换材料" in page
    refused = _my(client, application, **{f"file_{id_card.pk}": jpeg()}).content.decode()
    assert "正在审查" in refused and not id_card.files.exists()
    actions.decide(application, Decision.APPROVE, acting_user=people.reviewer_a)
    refused = _my(client, application, **{f"file_{id_card.pk}": jpeg()}).content.decode()
    assert "已作出决定，不能再上传材料" in refused and not id_card.files.exists()


def test_during_correction_only_the_listed_materials(client, apply, catalog, people):
    application = apply(online=True, brought=[catalog.id_card])
    actions.request_correction(application, {}, acting_user=people.window_clerk)
    prove_phone(client)
    id_card = application.materials.get(name="居民身份证")
    photo = application.materials.get(name="近期照片")
    refused = _my(client, application, **{f"file_{id_card.pk}": jpeg()}).content.decode()
    assert "只能上传告知书列出的材料" in refused and not MaterialFile.objects.exists()
    _my(client, application, **{f"file_{photo.pk}": jpeg()})
    assert reload(application).status == Status.SUBMITTED


# --- 4. uploads over the API ---------------------------------------------------------------------


def _filed_over_api(client, catalog):
    from .test_api import _code, _payload

    response = client.post(
        "/api/v1/applications", _payload(catalog, _code(client)), content_type="application/json"
    )
    assert response.status_code == 201
    return response.json()


def test_the_api_takes_a_good_upload_with_the_applicant_token(client, catalog):
    filed = _filed_over_api(client, catalog)
    photo = next(m for m in filed["materials"] if m["name"] == "近期照片")
    response = client.post(
        f"/api/v1/applications/{filed['id']}/materials",
        {
            "material_id": photo["id"],
            "files": [jpeg()],
            "applicant_token": filed["applicant_token"],
        },
    )
    assert response.status_code == 200
    got = next(m for m in response.json()["materials"] if m["id"] == photo["id"])
    assert got["state"] == "received" and got["files"] == 1
    assert MaterialFile.objects.get().content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf(b"2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj"), "脚本"),
        (
            pdf(
                b"3 0 obj << /Filter /FlateDecode >> stream\n"
                + __import__("zlib").compress(b"\0" * (60 * 1024 * 1024))
                + b"\nendstream"
            ),
            "解压后过大",
        ),
        (
            __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "id.jpg", b"MZ\x90 not an image"
            ),
            "不是 PDF、JPG 或 PNG",
        ),
    ],
)
def test_the_api_refuses_a_bad_upload_and_keeps_nothing(client, catalog, settings, upload, message):
    filed = _filed_over_api(client, catalog)
    photo = next(m for m in filed["materials"] if m["name"] == "近期照片")
    response = client.post(
        f"/api/v1/applications/{filed['id']}/materials",
        {
            "material_id": photo["id"],
            "files": [jpeg(), upload],
            "applicant_token": filed["applicant_token"],
        },
    )
    assert response.status_code == 400 and message in response.json()["message"]
    assert not MaterialFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_the_api_upload_is_authorised_like_the_page(client, catalog, apply):
    filed = _filed_over_api(client, catalog)
    photo = next(m for m in filed["materials"] if m["name"] == "近期照片")
    url = f"/api/v1/applications/{filed['id']}/materials"
    assert client.post(url, {"material_id": photo["id"], "files": [jpeg()]}).status_code == 401
    other = apply(online=True)
    token_of_other = client.post(
        f"/api/v1/applications/{other.pk}/materials",
        {
            "material_id": photo["id"],
            "files": [jpeg()],
            "applicant_token": filed["applicant_token"],
        },
    )
    assert token_of_other.status_code == 401
    from django.core.cache import cache

    from mashang.core.models import RateCounter

    from .test_api import _code

    # A minute between two codes for one phone: the test does not wait it out.
    cache.clear()
    RateCounter.objects.all().delete()
    by_code = client.post(
        url,
        {
            "material_id": photo["id"],
            "files": [jpeg()],
            "phone": "13900139000",
            "sms_code": _code(client),
        },
    )
    assert by_code.status_code == 200
    accepted = Application.objects.get(pk=filed["id"])
    assert accepted.materials.get(pk=photo["id"]).state == "received"


def test_the_api_upload_follows_the_pages_rule_after_acceptance(client, catalog, people):
    filed = _filed_over_api(client, catalog)
    application = Application.objects.get(pk=filed["id"])
    for m in application.materials.exclude(state="shared"):
        actions.upload_as_applicant(
            application,
            {
                m.pk: [
                    __import__("mashang.applications.uploads", fromlist=["x"]).clean_material(
                        jpeg()
                    )
                ]
            },
        )
    actions.accept_application(application, acting_user=people.window_clerk)
    photo = next(m for m in filed["materials"] if m["name"] == "近期照片")
    response = client.post(
        f"/api/v1/applications/{filed['id']}/materials",
        {
            "material_id": photo["id"],
            "files": [jpeg()],
            "applicant_token": filed["applicant_token"],
        },
    )
    assert response.status_code == 409 and "正在审查" in response.json()["message"]


def test_the_upload_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/applications/{application_id}/materials"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "files" in str(body) and "material_id" in str(body)
    assert {"200", "400", "401", "409"} <= set(operation["responses"])


# --- 5. no private calls across modules -------------------------------------------------------


def test_applications_call_no_private_function_of_another_module():
    """`module._name` on an imported module is a private call across modules."""
    root = pathlib.Path(actions.__file__).parent
    offenders = []
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Import):
                modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr != "_meta"  # Django's documented model metadata API
            ):
                offenders.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert offenders == []


def test_the_answers_survive_the_sign_in(client, cased):
    url = apply_url(cased.item, c1=2) + "&c2=1"
    response = client.get(url)
    assert response.status_code == 302
    login = client.get(response.url).content.decode()
    assert f'name="next" value="{url.replace("&", "&amp;")}"' in login


def test_choice_date_and_number_fields_are_asked_and_checked_as_such(client, cased, catalog):
    from mashang.catalog.models import FormField

    gender = FormField.objects.create(code="gender", label="性别", kind="choice", choices="男、女")
    born = FormField.objects.create(code="birth_date", label="出生日期", kind="date")
    area = FormField.objects.create(code="land_area", label="用地面积", kind="number")
    fields = [(gender, True), (born, True), (area, True)]
    with pytest.raises(actions.FilingError) as refused:
        actions.validate_form(fields, {"gender": "未知", "birth_date": "昨天", "land_area": "很大"})
    assert set(refused.value.errors) == {"f_gender", "f_birth_date", "f_land_area"}
    good = {"gender": "女", "birth_date": "2026-11-20", "land_area": "120.5"}
    assert actions.validate_form(fields, good) == good


def test_online_the_application_form_is_the_form_itself(client, catalog, people):
    form_type = material_type("application_form", "申请表")
    version = build_item(
        people.admin, catalog.house.unit, "临时占道审批", materials=[form_type, catalog.id_card]
    )
    prove_phone(client)
    url = reverse("apply", args=["item", version.item.code])
    page = client.get(url).content.decode()
    assert "网上填写的申请表即为此表" in page and f'name="file_{form_type.pk}"' not in page
    data = {**ME, "delivery": "electronic", f"file_{catalog.id_card.pk}": jpeg()}
    assert client.post(url, data).status_code == 302
    states = {m.name: m.state for m in Application.objects.get().materials.all()}
    assert states == {"申请表": "shared", "居民身份证": "received"}


def test_a_mistake_in_the_applicant_block_is_reported_once_on_the_block(cased):
    """One check for every channel (actions.check_filing): a wrong phone is the only error;
    the form's 姓名 and 身份证号, taken from the block, are not reported missing as well."""
    from django.http import QueryDict

    plan = actions.filing_plan(cased.item, None, QueryDict("c1=1"))
    given = actions.Applicant(name=" 李四 ", phone="12345", id_number="43042219900101123x")
    with pytest.raises(actions.FilingError) as caught:
        actions.check_filing(plan, {"project_name": "旧房"}, given)
    errors = caught.value.errors
    assert "applicant_phone" in errors
    assert "applicant_name" not in errors and "applicant_id_number" not in errors
    right = actions.Applicant(name="李四", phone="13900139000", id_number="43042219900101123X")
    applicant, form = actions.check_filing(plan, {"project_name": "旧房"}, right)
    assert applicant.name == "李四" and form["project_name"] == "旧房"
    assert form["applicant_name"] == "李四" and form["phone"] == "13900139000"
