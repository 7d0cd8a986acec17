"""Attacks from the independent probe of the appeals pillar (issue 11), each reproduced.

Every test here performs the attack and failed on the code before the fix."""

import io
import re
import struct
import uuid
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from mashang.appeals import intake
from mashang.appeals.models import Appeal, IntakeDraft
from mashang.core import uploads
from mashang.core.ratelimit import allow

from .conftest import jpeg
from .test_intake_form import GOOD, sms_code_from_outbox


def png_declaring(width, height) -> bytes:
    """A small PNG whose header claims a huge canvas (like the probe's all-black 7000×7000)."""

    def chunk(kind, body):
        crc = struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def decodes(monkeypatch):
    """Counts pixel decodes of files (ImageFile.load; images made in memory are not files)."""
    calls = []
    real = ImageFile.ImageFile.load

    def load(self, *args, **kwargs):
        calls.append(self.size)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def use_up(key: str, limit: int, window: int) -> None:
    for _ in range(limit):
        allow(key, limit, window)


# ---- 1. work before limits -----------------------------------------------------------------


def test_a_form_over_its_ip_limit_decodes_no_photo(client, codes, decodes):
    use_up("file:ip:10.9.9.9", 30, 3600)
    response = client.post(
        codes.bureau.get_absolute_url(),
        {**GOOD, "photos": [jpeg(800, 600, name=f"{i}.jpg") for i in range(6)]},
        REMOTE_ADDR="10.9.9.9",
    )
    assert "提交太频繁了" in response.content.decode()
    assert decodes == []
    assert not IntakeDraft.objects.exists()


def test_the_api_over_its_ip_limit_decodes_no_photo(client, codes, decodes):
    use_up("file:ip:10.9.9.8", 30, 3600)
    response = client.post(
        "/api/v1/appeals",
        {
            "code": codes.bureau.token,
            "type": "complaint",
            "content": GOOD["content"],
            "phone": "13800138000",
            "client_token": "t-api",
            "photos": [jpeg(800, 600)],
        },
        REMOTE_ADDR="10.9.9.8",
    )
    assert response.status_code == 429
    assert decodes == []


def test_adding_photos_over_the_limit_decodes_nothing(client, codes, file, decodes):
    appeal = file(codes.bureau)
    session = client.session
    session["tracked_appeals"] = [appeal.pk]
    session.save()
    use_up(f"addinfo:appeal:{appeal.pk}", 20, 86400)
    response = client.post(
        reverse("track_detail", args=[appeal.number]),
        {"text": "补充一张照片", "photos": [jpeg(800, 600)]},
    )
    assert response.status_code == 400 and "太频繁" in response.content.decode()
    assert decodes == []


def test_a_unit_reply_over_the_upload_limit_decodes_nothing(client, codes, file, people, decodes):
    from mashang.appeals import actions

    appeal = file(codes.bureau)
    actions.dispatch_appeal(appeal, people.handler_a.unit, acting_user=people.dispatcher)
    actions.accept_appeal(appeal, acting_user=people.handler_a)
    client.force_login(people.handler_a)
    use_up(f"upload:staff:{people.handler_a.pk}", 60, 3600)
    response = client.post(
        reverse("appeal_action", args=[appeal.pk, "reply"]),
        {"result": "已修好路灯，请查看照片。", "photos": [jpeg(800, 600)]},
        follow=True,
    )
    assert "太频繁" in response.content.decode()
    assert decodes == []
    appeal.refresh_from_db()
    assert appeal.status == "accepted"


def test_a_7000_square_png_is_refused_from_its_header_without_decoding(decodes):
    upload = SimpleUploadedFile("black.png", png_declaring(7000, 7000), content_type="image/png")
    with pytest.raises(uploads.PhotoError, match="尺寸过大"):
        uploads.clean_photo(upload)
    assert decodes == []


def test_the_pixel_caps_stay_well_below_pillows_bomb_limit():
    assert max(uploads.MAX_PIXELS.values()) <= Image.MAX_IMAGE_PIXELS * 0.6


def test_a_big_jpeg_is_decoded_at_a_reduced_scale(decodes):
    uploads.clean_photo(jpeg(6000, 4000))
    assert decodes and max(w * h for w, h in decodes) <= 3000 * 2000


# ---- 2. confirmation in one transaction ------------------------------------------------------


def test_a_crash_while_filing_leaves_the_code_usable_for_the_retry(codes, monkeypatch):
    data = intake.validate_intake(type="complaint", content=GOOD["content"], phone="13800138000")
    started = intake.start_intake(codes.bureau, data, token=uuid.uuid4().hex, ip="10.0.0.2")
    real_file = intake._file

    def crash(draft):
        raise RuntimeError("worker killed between spending the code and filing")

    monkeypatch.setattr(intake, "_file", crash)
    with pytest.raises(RuntimeError):
        intake.confirm_intake(started.draft, started.sms_code)
    monkeypatch.setattr(intake, "_file", real_file)
    assert not Appeal.objects.exists()
    draft = IntakeDraft.objects.get(pk=started.draft.pk)
    result = intake.confirm_intake(draft, started.sms_code)  # the same, right code
    assert result.appeal is not None and result.query_code
    assert Appeal.objects.count() == 1


def test_a_wrong_code_is_still_counted_when_confirming(codes):
    data = intake.validate_intake(type="complaint", content=GOOD["content"], phone="13800138000")
    started = intake.start_intake(codes.bureau, data, token=uuid.uuid4().hex, ip="10.0.0.2")
    wrong = "000000" if started.sms_code != "000000" else "111111"
    for left in (4, 3):
        with pytest.raises(intake.CodeError, match=f"还可以再试{left}次"):
            intake.confirm_intake(started.draft, wrong)


# ---- 7. secrets left behind ------------------------------------------------------------------


def jpeg_with_comment(comment: bytes) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(buf, "JPEG")
    data = buf.getvalue()
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + com + data[2:]  # right after SOI


def jpeg_segments(data: bytes) -> list[int]:
    """Marker bytes of the segments before the image data."""
    markers, i = [], 2
    while i < len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: pixels follow
            break
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        i += 2 + length
    return markers


def test_a_jpeg_comment_segment_does_not_survive_reencoding():
    data = jpeg_with_comment(b"COM-LEAK-13800001234")
    with Image.open(io.BytesIO(data)) as probe:
        assert probe.info.get("comment") == b"COM-LEAK-13800001234"  # the attack is real
    clean = uploads.clean_photo(SimpleUploadedFile("c.jpg", data, content_type="image/jpeg"))
    out = clean.content.read()
    assert b"COM-LEAK" not in out
    # Only JFIF (APP0), tables and frame headers: no COM (FE), EXIF/XMP (E1), ICC (E2), APPn.
    assert all(m not in jpeg_segments(out) for m in [0xFE, *range(0xE1, 0xF0)])


def test_the_query_code_never_reaches_the_session_store(client, codes):
    response = client.post(codes.bureau.get_absolute_url(), GOOD)
    verify_url = response.url
    # The client confirms and never follows anything afterwards.
    response = client.post(verify_url, {"code": sms_code_from_outbox()})
    code = re.search(r'id="query-code">(\d{6})<', response.content.decode()).group(1)
    from django.contrib.sessions.models import Session

    stored = [s.get_decoded() for s in Session.objects.all()]
    assert stored and all(code not in str(s) for s in stored)


# ---- 5. tracking: no lockout weapon, no existence oracle --------------------------------------


def track(client, number, code, ip):
    return client.post(
        reverse("track"), {"number": number, "query_code": code}, REMOTE_ADDR=ip
    ).content.decode()


def test_a_strangers_wrong_guesses_do_not_lock_the_owner_out(client, codes):
    from django.test import Client

    from .test_tracking import receipt_code

    appeal = Appeal.objects.get(pk=_file_via_form(client, codes).pk)
    code = receipt_code(client, appeal)
    for i in range(12):  # more than the old per-number lock, from several addresses
        track(Client(), appeal.number, "000000", f"10.77.0.{i % 3}")
    owner_elsewhere = Client()  # the citizen on a new phone, from their own address
    assert "查询太频繁" not in track(owner_elsewhere, appeal.number, code, "10.77.1.1")
    assert owner_elsewhere.get(reverse("track_detail", args=[appeal.number])).status_code == 200


def test_a_flood_of_wrong_codes_keeps_only_new_devices_out(client, codes):
    from django.test import Client

    from .test_tracking import receipt_code

    appeal = _file_via_form(client, codes)
    code = receipt_code(client, appeal)
    for _ in range(intake.QUERY_GUARD):
        intake.check_query_code(appeal.number, "000000")
    stranger = Client()
    assert "暂停在新设备上" in track(stranger, appeal.number, code, "10.78.0.1")
    # The phone that filed it (its known-device cookie) still gets in with the right code.
    page = client.post(reverse("track"), {"number": appeal.number, "query_code": code})
    assert page.status_code == 302


def test_missing_and_existing_numbers_get_the_same_answers(client, codes):
    from django.test import Client

    appeal = _file_via_form(client, codes)
    year = appeal.number.split("-")[1]
    missing = f"430422-{year}-999999"
    for number in (appeal.number, missing):
        for _ in range(intake.QUERY_GUARD):
            intake.check_query_code(number, "000000")
    answers = {
        number: re.sub(r'value="[^"]*"', "", track(Client(), number, "000000", "10.79.0.1"))
        for number in (appeal.number, missing)
    }
    assert answers[appeal.number] == answers[missing]
    assert "暂停在新设备上" in answers[missing]


def _file_via_form(client, codes):
    from .test_intake_form import file_appeal

    return file_appeal(client, codes.bureau)
