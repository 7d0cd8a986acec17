import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from mashang.appeals.models import SmsCode
from mashang.applications import actions
from mashang.applications.choices import Decision, Status
from mashang.applications.models import Application, MaterialFile
from mashang.applications.uploads import UploadError, clean_material
from mashang.core.crypto import blind_index
from mashang.documents.models import IssuedDocument
from mashang.notifications.models import Message
from mashang.testing import PASSWORD

from .conftest import jpeg, pdf, reload


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def window_post(client, catalog, **extra):
    data = {
        "applicant_kind": "person",
        "applicant_name": "赵六",
        "applicant_id_number": "430422199202021231",
        "applicant_phone": "138 0013 8000",
        "f_project_name": "农村自建房",
        "seen": [str(catalog.id_card.pk)],
        "delivery": "pickup",
        **extra,
    }
    return client.post(f"{reverse('window_new')}?item={catalog.house.code}", data)


def test_the_window_finds_any_item_and_records_the_checklist(client, catalog, people):
    login(client, people.window_clerk)
    found = client.get(reverse("window_new"), {"q": "施工许可"}).content.decode()
    assert "建筑工程施工许可" in found
    response = window_post(client, catalog, file_64=[])
    application = Application.objects.get()
    assert response.status_code == 302 and application.status == Status.SUBMITTED
    states = {m.name: m.state for m in application.materials.all()}
    assert states == {"居民身份证": "received", "近期照片": "missing", "家庭收入情况": "shared"}
    assert application.window_unit == people.window_clerk.unit


def test_the_window_form_keeps_answers_and_lists_every_problem(client, catalog, people):
    login(client, people.window_clerk)
    response = window_post(client, catalog, applicant_id_number="123", f_project_name="")
    page = response.content.decode()
    assert response.status_code == 200 and not Application.objects.exists()
    assert "身份证号应为18位" in page and "请填写项目名称" in page and "赵六" in page


def test_window_defers_and_prints_a_numbered_commitment_with_embedded_font(client, catalog, people):
    login(client, people.window_clerk)
    window_post(client, catalog)
    application = Application.objects.get()
    client.post(
        reverse("application_action", args=[application.pk, "defer"]), {"days": "2", "signed": "1"}
    )
    assert reload(application).status == Status.DEFERRED
    first = client.get(reverse("application_print", args=[application.pk, "commitment"]))
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert b"/FontFile2" in first.content  # the Chinese font is embedded, not referenced
    again = client.get(reverse("application_print", args=[application.pk, "commitment"]))
    assert again.status_code == 200
    assert IssuedDocument.objects.filter(kind="commitment").count() == 1
    assert "诺字〔" in IssuedDocument.objects.get(kind="commitment").number


def test_documents_are_numbered_per_kind_in_sequence(apply, catalog, people):
    from mashang.applications import documents

    numbers = []
    for _ in range(2):
        application = apply(brought=[catalog.id_card, catalog.photo])
        actions.accept_application(application, acting_user=people.window_clerk)
        _doc, issued = documents.build(reload(application), "acceptance")
        numbers.append(issued.number)
    assert numbers[0].endswith("〕1号") and numbers[1].endswith("〕2号")


def test_a_document_the_application_has_not_reached_is_not_printed(client, apply, people):
    application = apply()
    login(client, people.window_clerk)
    response = client.get(reverse("application_print", args=[application.pk, "acceptance"]))
    assert response.status_code == 404


def test_each_kind_of_document_renders(apply, catalog, people):
    from mashang.applications import documents
    from mashang.documents.pdf import render

    refused = apply()
    actions.request_correction(refused, {}, acting_user=people.window_clerk)
    actions.refuse_acceptance(
        refused,
        "逾期未补正",
        "《中华人民共和国行政许可法》第三十二条",
        acting_user=people.window_clerk,
    )
    done = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(done, acting_user=people.window_clerk)
    actions.decide(done, Decision.APPROVE, acting_user=people.reviewer_a, result_text="准予施工")
    actions.deliver(done, acting_user=people.window_clerk)
    for application in (reload(refused), reload(done)):
        for kind in documents.available(application):
            body = render(documents.build(application, kind)[0])
            assert body.startswith(b"%PDF"), kind
    assert set(documents.available(reload(refused))) == {"correction", "refusal"}
    assert set(documents.available(reload(done))) == {"acceptance", "decision", "completion"}


def _png_bytes():
    buf = io.BytesIO()
    Image.new("RGBA", (20, 20), (1, 2, 3, 100)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("id.jpg", b"MZ\x90\x00 not an image at all"), "不是 PDF、JPG 或 PNG"),
        (SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)), "10 MB"),
        (pdf(b"2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj"), "脚本"),
        (pdf(b"2 0 obj << /S /J#61vaScript >> endobj"), "脚本"),
        (
            pdf(
                b"3 0 obj << /Filter /FlateDecode >> stream\n"
                + zlib.compress(b"<< /Launch >>")
                + b"\nendstream"
            ),
            "脚本",
        ),
        (
            pdf(
                b"4 0 obj << /Filter /FlateDecode >> stream\n"
                + zlib.compress(b"\0" * (60 * 1024 * 1024))
                + b"\nendstream"
            ),
            "解压后过大",
        ),
        (SimpleUploadedFile("cut.pdf", b"%PDF-1.4\n1 0 obj"), "不是完整的 PDF"),
        (SimpleUploadedFile("empty.png", b""), "空文件"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(upload, message):
    with pytest.raises(UploadError, match=message):
        clean_material(upload)


def test_good_uploads_pass_and_images_are_reencoded():
    assert clean_material(pdf()).content_type == "application/pdf"
    cleaned = clean_material(SimpleUploadedFile("a.png", _png_bytes()))
    assert cleaned.content_type == "image/jpeg"
    assert cleaned.content.read()[:2] == b"\xff\xd8"


def test_a_bad_upload_at_the_window_keeps_nothing(client, catalog, people, settings):
    login(client, people.window_clerk)
    bad = pdf(b"2 0 obj << /JS (x) >> endobj")
    good = jpeg()
    response = window_post(
        client, catalog, **{f"file_{catalog.id_card.pk}": good, f"file_{catalog.photo.pk}": bad}
    )
    assert response.status_code == 200 and "不安全内容" in response.content.decode()
    assert not Application.objects.exists() and not MaterialFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# --- online ----------------------------------------------------------------------------------


def prove_phone(client, phone="13900139000"):
    client.post(reverse("my_login"), {"phone": phone, "action": "send"})
    code = SmsCode.objects.filter(purpose="apply", phone_index=blind_index(phone)).latest("id")
    # The code itself is stored only as a digest; the SMS body holds it for the phone.
    body = Message.objects.filter(template="sms_code").latest("id").body
    entered = "".join(ch for ch in body if ch.isdigit())[:6]
    assert code
    response = client.post(
        reverse("my_login"), {"phone": phone, "code": entered, "action": "verify"}
    )
    assert response.status_code == 302


def test_online_filing_needs_a_proved_phone(client, catalog):
    response = client.get(reverse("apply", args=["item", catalog.house.code]))
    assert response.status_code == 302 and reverse("my_login") in response.url


def test_a_citizen_applies_online_gets_a_correction_and_supplements(client, catalog, people):
    prove_phone(client)
    url = reverse("apply", args=["item", catalog.house.code])
    page = client.get(url).content.decode()
    assert "项目名称" in page and "政府部门已掌握" in page
    response = client.post(
        url,
        {
            "applicant_name": "李四",
            "applicant_id_number": "43042219900101123X",
            "f_project_name": "新建住宅",
            "delivery": "electronic",
            f"file_{catalog.id_card.pk}": jpeg(),
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302 and application.channel == "online"
    assert application.applicant_phone == "13900139000"
    actions.request_correction(application, {}, acting_user=people.window_clerk)
    detail = client.get(reverse("my_detail", args=[application.number])).content.decode()
    assert "近期照片" in detail and "补充上传" in detail
    photo = application.materials.get(name="近期照片")
    client.post(
        reverse("my_detail", args=[application.number]),
        {"action": "supplement", f"file_{photo.pk}": jpeg()},
    )
    assert reload(application).status == Status.SUBMITTED
    actions.accept_application(application, acting_user=people.window_clerk)
    result = SimpleUploadedFile("r.pdf", pdf().read())
    actions.decide(
        application,
        Decision.APPROVE,
        acting_user=people.reviewer_a,
        result_file=clean_material(result).content,
    )
    download = client.get(reverse("my_result", args=[application.number]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_another_phone_never_sees_the_application(client, apply):
    application = apply(online=True)
    prove_phone(client, "13600136000")
    assert client.get(reverse("my_detail", args=[application.number])).status_code == 404
    assert application.number not in client.get(reverse("my_list")).content.decode()


def test_the_applicant_withdraws_online(client, apply):
    application = apply(online=True)
    prove_phone(client)
    url = reverse("my_detail", args=[application.number])
    ask = client.post(url, {"action": "withdraw"})
    assert reload(application).status == Status.SUBMITTED  # the first tap only asks again
    page = ask.content.decode()
    assert "确认撤回申请" in page and 'name="confirm" value="1"' in page
    assert "onclick" not in page and "不撤回，返回办件" in page
    client.post(url, {"action": "withdraw", "confirm": "1"})
    assert reload(application).status == Status.WITHDRAWN
    detail = client.get(url).content.decode()
    assert "办件已已撤回" not in detail and "办件状态为“已撤回”，不能再上传材料。" in detail


def test_a_bundle_filed_online_is_one_progress_with_a_part_per_unit(client, catalog):
    prove_phone(client)
    url = reverse("apply", args=["bundle", catalog.bundle.code])
    client.post(
        url,
        {
            "applicant_name": "李四",
            "applicant_id_number": "43042219900101123X",
            "f_project_name": "新建厂房",
            "delivery": "electronic",
            f"file_{catalog.id_card.pk}": jpeg(),
            f"file_{catalog.licence.pk}": pdf(),
        },
    )
    parent = Application.objects.get(parent__isnull=True)
    assert parent.parts.count() == 2
    listing = client.get(reverse("my_list")).content.decode()
    assert parent.number in listing and parent.parts.first().number not in listing


def test_the_rating_link_rates_once(client, apply, catalog, people):
    application = apply(catalog.instant, brought=[catalog.id_card])
    actions.finish_instantly(application, acting_user=people.window_clerk)
    url = reverse("my_rate", args=[reload(application).rating_token])
    client.post(url, {"rating": "5"})
    assert reload(application).rating == "5"
    assert "感谢" in client.get(url).content.decode()


def test_the_window_rating_pad_records_a_rating_for_the_clerk(client, people):
    from mashang.applications.models import ServiceRating

    login(client, people.window_clerk)
    client.post(reverse("window_rating"), {"rating": "1", "comment": "态度不好"})
    row = ServiceRating.objects.get()
    assert row.kind == "window" and row.clerk == people.window_clerk and row.contact_due_at


def test_supervision_records_the_callback_of_a_bad_rating(client, people):
    from mashang.applications.models import ServiceRating

    row = actions.rate_window(clerk=people.window_clerk, rating="2")
    login(client, people.supervisor)
    assert "没有差评" not in client.get(reverse("bad_ratings")).content.decode()
    client.post(
        reverse("bad_ratings"), {"rating_id": row.pk, "rectification": "已致歉并培训窗口人员"}
    )
    assert ServiceRating.objects.get().called_back_at is not None


def test_the_staff_page_labels_answers_and_masks_personal_numbers(client, apply, people):
    from mashang.catalog.choices import FieldKind
    from mashang.catalog.models import FormField

    FormField.objects.get_or_create(
        code="spouse_id", defaults={"label": "配偶身份证号", "kind": FieldKind.ID_NUMBER}
    )
    application = apply(
        form={"spouse_id": "430422199202021231", "bank_account": "6228480000000000005"}
    )
    client.force_login(people.window_clerk)
    page = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert "配偶身份证号" in page and "spouse_id" not in page
    assert "4304**********1231" in page and "430422199202021231" not in page
    assert "6228480000000000005" not in page and "0005" in page


def test_a_credit_code_field_refuses_what_is_not_a_credit_code():
    from types import SimpleNamespace

    import pytest

    from mashang.applications.actions import FilingError, validate_form

    field = SimpleNamespace(code="uscc", label="统一社会信用代码", kind="uscc", max_length=None)
    with pytest.raises(FilingError) as refused:
        validate_form([(field, True)], {"uscc": "测试内容"})
    assert "统一社会信用代码" in refused.value.errors["f_uscc"]
    assert validate_form([(field, True)], {"uscc": "91350100M000100Y43"}) == {
        "uscc": "91350100M000100Y43"
    }
