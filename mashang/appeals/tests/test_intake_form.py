"""The citizen's journey behind a QR code: form, SMS code, receipt."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from mashang.appeals.choices import AppealStatus
from mashang.appeals.models import Appeal, AppealEvent, AppealPhoto, IntakeDraft, SmsCode
from mashang.core.crypto import blind_index
from mashang.notifications.models import Message
from mashang.qrcodes.actions import reissue_placement, retire_placement

from .conftest import jpeg

GOOD = {
    "type": "complaint",
    "content": "村口的路灯坏了三个月，晚上走路很危险。",
    "phone": "138 0013 8000",
    "form_token": "tok-1",
}


def submit(client, placement, **changes):
    data = {**GOOD, **changes}
    return client.post(placement.get_absolute_url(), data)


def sms_code_from_outbox() -> str:
    body = Message.objects.filter(template="sms_code").latest("id").body
    return re.search(r"验证码(\d{6})", body).group(1)


def file_appeal(client, placement, **changes) -> Appeal:
    response = submit(client, placement, **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(response.url, {"code": sms_code_from_outbox()})
    assert response.status_code == 200  # the receipt, with its query code, answers the POST
    client.receipt_page = response.content.decode()
    return Appeal.objects.latest("id")


def test_the_form_knows_kind_place_and_addressee(client, codes):
    response = client.get(codes.bureau.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "局长“码”上办" in page and "县住房和城乡建设局" in page
    assert "县住房和城乡建设局局长" in page


def test_a_fresh_form_shows_no_error_and_no_reselect_hint(client, codes):
    """「如已选照片，请重新选择」 and the title's 「错误：」 belong to a refused submission only."""
    fresh = client.get(codes.bureau.get_absolute_url()).content.decode()
    assert "如已选照片" not in fresh and "<title>错误" not in fresh
    refused = submit(client, codes.bureau, content="太短").content.decode()
    assert "如已选照片，请重新选择。" in refused and "<title>错误" in refused


def test_scans_are_counted_per_placement(client, codes):
    client.get(codes.bureau.get_absolute_url())
    client.get(codes.bureau.get_absolute_url())
    codes.bureau.refresh_from_db()
    codes.township.refresh_from_db()
    assert (codes.bureau.scan_count, codes.township.scan_count) == (2, 0)


def test_a_scan_records_when_the_code_was_last_scanned(client, codes):
    from django.utils import timezone

    before = timezone.now()
    client.get(codes.bureau.get_absolute_url())
    codes.bureau.refresh_from_db()
    assert before <= codes.bureau.last_scanned_at <= timezone.now()
    assert codes.bureau.scan_count == 1


def test_the_form_page_is_one_lookup_and_one_scan_count(client, codes):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = client.get(codes.bureau.get_absolute_url()).content.decode()
    assert "县住房和城乡建设局局长" in page and 'id="f-content"' in page
    lookup, scan = (q["sql"] for q in ctx.captured_queries)
    assert "directory_unit" in lookup and "directory_division" not in lookup  # filing needs it
    assert scan.startswith("UPDATE") and "scan_count" in scan


def test_the_discipline_code_puts_accusation_first_and_selected(client, codes):
    page = client.get(codes.discipline.get_absolute_url()).content.decode()
    radios = re.findall(r'name="type" value="(\w+)"( checked)?', page)
    assert radios[0] == ("accusation", " checked")


def test_a_retired_code_says_so_and_is_counted(client, codes, people):
    retire_placement(codes.bureau, "海报破损", acting_user=people.admin)
    response = client.get(codes.bureau.get_absolute_url())
    assert response.status_code == 410
    assert "此码已停用" in response.content.decode()
    codes.bureau.refresh_from_db()
    assert codes.bureau.scan_count == 1
    assert submit(client, codes.bureau).status_code == 410
    assert not IntakeDraft.objects.exists()


def test_reissuing_keeps_the_old_code_and_its_history(client, codes, people):
    client.get(codes.bureau.get_absolute_url())
    new = reissue_placement(codes.bureau, acting_user=people.admin)
    codes.bureau.refresh_from_db()
    assert codes.bureau.replaced_by == new and codes.bureau.scan_count == 1
    assert new.token != codes.bureau.token and new.place_label == codes.bureau.place_label
    assert client.get(new.get_absolute_url()).status_code == 200
    assert "已换发新的二维码" in client.get(codes.bureau.get_absolute_url()).content.decode()


def test_an_unknown_token_is_a_clear_404(client, db):
    response = client.get("/q/not-a-real-token")
    assert response.status_code == 404
    assert "二维码无法识别" in response.content.decode()


def test_the_manual_code_leads_to_the_form(client, codes):
    code = codes.township.manual_code
    spaced = f"{code[:4].lower()} {code[4:]}"
    response = client.get(reverse("qr_manual"), {"code": spaced})
    assert response.status_code == 302 and response.url == codes.township.get_absolute_url()
    assert client.get(reverse("qr_manual"), {"code": "ZZZZ2222"}).status_code == 404


def test_filing_with_an_sms_code_gives_a_number_event_and_receipt(client, codes):
    response = submit(client, codes.bureau)
    assert response.status_code == 302
    assert not Appeal.objects.exists()  # nothing is filed before the phone is confirmed
    verify_page = client.get(response.url).content.decode()
    assert "138****8000" in verify_page
    response = client.post(response.url, {"code": sms_code_from_outbox()})
    appeal = Appeal.objects.get()
    assert re.fullmatch(r"430422-\d{4}-000001", appeal.number)
    assert appeal.status == AppealStatus.PENDING_DISPATCH
    assert appeal.kind == "bureau" and appeal.addressee_unit == codes.bureau.addressee_unit
    assert appeal.reporter_phone == "13800138000"
    assert AppealEvent.objects.filter(appeal=appeal, kind="received", is_public=True).exists()
    receipt = response.content.decode()
    query_code = re.search(r'id="query-code">(\d{6})<', receipt).group(1)
    sms = Message.objects.get(template="appeal_received")
    assert appeal.number in sms.body and query_code in sms.body
    assert sms.to_phone == "13800138000"


def test_the_year_counter_is_locked_only_at_the_end_of_a_filing(client, codes):
    """The counter row stays locked until the commit: every filing queues on it, so nothing
    but the SMS that carries the number comes after it (bench/load.py measured the queue)."""
    from django.test.utils import CaptureQueriesContext

    response = submit(client, codes.bureau)
    code = sms_code_from_outbox()
    with CaptureQueriesContext(connection) as ctx:
        client.post(response.url, {"code": code})
    appeal = Appeal.objects.get()
    assert re.fullmatch(r"430422-\d{4}-000001", appeal.number)
    writes = [
        q["sql"].split('"')[1]
        for q in ctx.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE"))
    ]
    counter = len(writes) - 1 - writes[::-1].index("appeals_sequence")  # its increment
    assert {"appeals_appeal", "appeals_appealevent", "appeals_intakedraft"} <= set(writes[:counter])
    # after it: the number into the appeal and the receipt SMS (then the session, not filing)
    assert writes[counter + 1 : counter + 3] == ["appeals_appeal", "notifications_message"]
    assert not {"appeals_appealevent", "appeals_intakedraft"} & set(writes[counter:])
    assert Message.objects.get(template="appeal_received").body.count(appeal.number) == 1


def test_the_receipt_is_only_for_the_browser_that_filed(client, codes):
    appeal = file_appeal(client, codes.bureau)
    client.cookies.clear()
    assert client.get(reverse("appeal_receipt", args=[appeal.number])).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"type": ""}, "type", "请选择诉求类型"),
        ({"content": ""}, "content", "请填写诉求内容"),
        ({"content": "路灯坏了"}, "content", "至少写10个字"),
        ({"content": "灯" * 2001}, "content", "不能超过2000字"),
        ({"phone": ""}, "phone", "请填写手机号码"),
        ({"phone": "12345"}, "phone", "11位数字"),
        ({"anonymous": "1"}, "anonymous", "只有检举控告可以匿名"),
        ({"name": "名" * 31}, "name", "姓名不能超过30字"),
        ({"id_number": "12345"}, "id_number", "身份证号应为18位"),
    ],
)
def test_bad_input_is_explained_and_keeps_the_answers(client, codes, changes, field, message):
    response = submit(client, codes.bureau, **changes)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "<title>错误：" in page and 'class="c-error-summary"' in page
    assert f'href="#f-{field}"' in page
    if field != "content":
        assert "村口的路灯坏了三个月" in page  # the citizen's text is not lost
    assert not IntakeDraft.objects.exists() and not Message.objects.exists()


def test_content_counts_characters_not_bytes_and_allows_emoji(client, codes):
    appeal = file_appeal(client, codes.bureau, content="🚧" * 9 + "灯" + "好" * 1990)
    assert len(appeal.content) == 2000


def test_script_tags_are_shown_escaped(client, codes):
    appeal = file_appeal(
        client, codes.bureau, content="路灯坏了很久<script>alert('x')</script>请处理"
    )
    page = client.get(reverse("track_detail", args=[appeal.number])).content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page


def test_phone_numbers_accept_spaces_dashes_and_country_code(client, codes):
    appeal = file_appeal(client, codes.bureau, phone="+86 138-0013-8000")
    assert appeal.reporter_phone == "13800138000"
    assert appeal.phone_index == blind_index("13800138000")


def test_a_replayed_form_token_from_another_browser_reveals_nothing(client, codes):
    appeal = file_appeal(
        client, codes.discipline, type="accusation", content="某干部收受红包，请查处此事。"
    )
    stranger = client.__class__()
    response = submit(stranger, codes.bureau)  # same form_token "tok-1"
    assert response.status_code == 409
    assert "已经提交过" in response.content.decode()
    assert appeal.number not in response.content.decode()
    page = stranger.get(reverse("track_detail", args=[appeal.number])).content.decode()
    assert 'id="ask-code"' in page and "某干部" not in page  # asks for the code, shows nothing
    draft = IntakeDraft.objects.get()
    verify_url = reverse("intake_verify", args=[codes.discipline.token, draft.token])
    assert stranger.get(verify_url).status_code == 404


def test_the_query_code_is_shown_once_and_never_stored_in_the_session(client, codes):
    appeal = file_appeal(client, codes.bureau)
    code = re.search(r'id="query-code">(\d{6})<', client.receipt_page).group(1)
    # The receipt redirect a client may never follow does not exist: nothing waits in the
    # session store for it.
    assert code not in str(dict(client.session.items()))
    url = reverse("appeal_receipt", args=[appeal.number])
    assert 'id="query-code"' not in client.get(url).content.decode()


def test_a_double_submit_files_one_appeal(client, codes):
    first = submit(client, codes.bureau)
    second = submit(client, codes.bureau)
    assert first.url == second.url
    assert IntakeDraft.objects.count() == 1
    assert Message.objects.filter(template="sms_code").count() == 1
    code = sms_code_from_outbox()
    client.post(first.url, {"code": code})
    again = client.post(first.url, {"code": code})
    assert again.status_code == 302
    assert Appeal.objects.count() == 1


def test_wrong_codes_are_counted_and_lock_after_five(client, codes):
    url = submit(client, codes.bureau).url
    for left in (4, 3, 2, 1):
        page = client.post(url, {"code": "000000"}).content.decode()
        if sms_code_from_outbox() != "000000":
            assert f"还可以再试{left}次" in page
    page = client.post(url, {"code": "000000"}).content.decode()
    assert "输错次数过多" in page
    page = client.post(url, {"code": sms_code_from_outbox()}).content.decode()
    assert "输错次数过多" in page
    assert not Appeal.objects.exists()


def test_an_expired_code_must_be_fetched_again(client, codes):
    url = submit(client, codes.bureau).url
    SmsCode.objects.update(expires_at="2000-01-01T00:00:00Z")
    page = client.post(url, {"code": sms_code_from_outbox()}).content.decode()
    assert "验证码已过期" in page
    assert not Appeal.objects.exists()


def test_a_second_code_within_a_minute_is_refused(client, codes):
    url = submit(client, codes.bureau).url
    page = client.post(url, {"action": "resend"}).content.decode()
    assert "太频繁" in page
    assert Message.objects.filter(template="sms_code").count() == 1


def test_the_demo_shows_the_code_on_the_page(client, codes, settings):
    settings.DEMO_MODE = True
    url = submit(client, codes.bureau).url
    assert sms_code_from_outbox() in client.get(url).content.decode()
    settings.DEMO_MODE = False
    client2 = client.__class__()
    url2 = submit(client2, codes.bureau, form_token="tok-2", phone="13900139000").url
    assert 'id="demo-code"' not in client2.get(url2).content.decode()


def test_photos_are_saved_with_the_appeal(client, codes):
    response = client.post(
        codes.bureau.get_absolute_url(), {**GOOD, "photos": [jpeg(), jpeg(name="b.jpg")]}
    )
    client.post(response.url, {"code": sms_code_from_outbox()})
    appeal = Appeal.objects.get()
    assert appeal.photos.count() == 2
    assert all(p.image.name.endswith(".jpg") for p in appeal.photos.all())


def test_seven_photos_are_refused_and_nothing_is_saved(client, codes):
    response = client.post(
        codes.bureau.get_absolute_url(),
        {**GOOD, "photos": [jpeg(name=f"{i}.jpg") for i in range(7)]},
    )
    assert response.status_code == 400
    assert "最多上传6张照片" in response.content.decode()
    assert not AppealPhoto.objects.exists() and not IntakeDraft.objects.exists()


def test_a_bad_photo_among_good_ones_saves_nothing(client, codes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"<html></html>", content_type="image/jpeg")
    response = client.post(codes.bureau.get_absolute_url(), {**GOOD, "photos": [jpeg(), fake]})
    assert "第2张照片无法识别" in response.content.decode()
    assert not AppealPhoto.objects.exists()


def test_a_failure_while_filing_leaves_nothing_half_saved(client, codes, monkeypatch):
    url = submit(client, codes.bureau).url
    code = sms_code_from_outbox()
    from mashang.appeals import intake

    def broken_queue(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(intake, "queue_sms", broken_queue)
    with pytest.raises(RuntimeError):
        client.post(url, {"code": code})
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()
    assert IntakeDraft.objects.get().appeal is None


def test_a_draft_older_than_a_day_cannot_be_confirmed(client, codes):
    from datetime import timedelta

    from django.utils import timezone

    url = submit(client, codes.bureau).url
    IntakeDraft.objects.update(created_at=timezone.now() - timedelta(days=2))
    page = client.post(url, {"code": sms_code_from_outbox()}).content.decode()
    assert "超过一天" in page and not Appeal.objects.exists()


def test_a_refused_submission_leaves_no_photo_on_disk(client, codes, settings):
    import os

    for i in range(5):
        submit(client, codes.bureau, form_token=f"p{i}")
    before = sum(len(files) for _r, _d, files in os.walk(settings.MEDIA_ROOT))
    response = client.post(
        codes.bureau.get_absolute_url(), {**GOOD, "form_token": "p-late", "photos": [jpeg()]}
    )
    assert "太频繁" in response.content.decode()
    after = sum(len(files) for _r, _d, files in os.walk(settings.MEDIA_ROOT))
    assert after == before


def test_codes_per_phone_are_rate_limited(client, codes):
    statuses = [submit(client, codes.bureau, form_token=f"t{i}").status_code for i in range(6)]
    assert statuses == [302] * 5 + [400]
    assert "太频繁" in submit(client, codes.bureau, form_token="t-last").content.decode()
    assert IntakeDraft.objects.count() == 5


def test_the_same_browser_can_file_two_different_matters(client, codes):
    file_appeal(client, codes.bureau)
    file_appeal(
        client, codes.township, form_token="tok-2", content="水渠堵塞了，田里的水排不出去，请帮忙。"
    )
    assert Appeal.objects.count() == 2


def test_anonymous_accusation_is_filed_at_once_without_a_phone(client, codes):
    response = submit(
        client,
        codes.discipline,
        type="accusation",
        anonymous="1",
        phone="",
        content="某村干部在低保评定中优亲厚友，请调查。",
    )
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.ACCUSATION_NEW and appeal.is_anonymous
    assert appeal.reporter_phone == "" and not Message.objects.exists()
    assert 'id="query-code"' in response.content.decode()
    # no phone was given: the receipt does not offer to look it up by phone
    assert "或用手机号验证查询" not in response.content.decode()


def test_a_receipt_offers_the_phone_lookup_when_a_phone_was_given(client, codes):
    file_appeal(client, codes.bureau)
    assert "或用手机号验证查询" in client.receipt_page


def test_accusation_identity_is_ciphertext_in_the_database(client, codes):
    appeal = file_appeal(
        client,
        codes.discipline,
        type="accusation",
        name="张检举",
        id_number="43042219800101123X",
        phone="13912345678",
        content="某局干部收受红包，时间地点如下……",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_name, reporter_phone, reporter_id_number, phone_index "
            "FROM appeals_appeal WHERE id = %s",
            [appeal.pk],
        )
        row = cursor.fetchone()
        cursor.execute("SELECT to_phone, body FROM notifications_message")
        messages = cursor.fetchall()
        cursor.execute("SELECT reporter_name, reporter_phone FROM appeals_intakedraft")
        drafts = cursor.fetchall()
    dump = repr((row, messages, drafts))
    for secret in ("张检举", "13912345678", "43042219800101123X", "5678"):
        assert secret not in dump
    assert all(v.startswith("sm4gcm:") for v in row[:3])
    assert row[3] == blind_index("13912345678")
    appeal.refresh_from_db()
    assert appeal.reporter_name == "张检举"


def test_unconfirmed_drafts_are_purged_after_a_day_with_their_photos(
    client, codes, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from mashang.appeals.intake import purge_stale_drafts

    client.post(codes.bureau.get_absolute_url(), {**GOOD, "photos": [jpeg()]})
    photo = AppealPhoto.objects.get()
    path = photo.image.path
    assert purge_stale_drafts() == 0
    IntakeDraft.objects.update(created_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_stale_drafts() == 1
    assert not IntakeDraft.objects.exists() and not AppealPhoto.objects.exists()
    import os

    assert not os.path.exists(path)


def test_each_year_numbers_from_one_and_a_counter_already_there_goes_on(db):
    from mashang.appeals.intake import next_number
    from mashang.appeals.models import Sequence

    assert [next_number(2031), next_number(2031)] == ["430422-2031-000001", "430422-2031-000002"]
    Sequence.objects.create(name="appeal:430422:2032", value=41)
    assert next_number(2032) == "430422-2032-000042"
    assert Sequence.objects.get(name="appeal:430422:2031").value == 2


def test_a_draft_filed_since_the_caller_read_it_is_not_filed_twice(codes):
    from mashang.appeals import intake

    data = intake.validate_intake(type="complaint", content=GOOD["content"], phone="13800138000")
    started = intake.start_intake(codes.township, data, token="race-1", ip="10.0.0.1")
    stale = IntakeDraft.objects.get(pk=started.draft.pk)  # read before the other request filed
    first = intake.confirm_intake(started.draft, started.sms_code)
    again = intake.confirm_intake(stale, "000000")  # under the lock it sees the filing
    assert again.appeal == first.appeal and again.query_code is None
    assert Appeal.objects.count() == 1
