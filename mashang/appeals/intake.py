"""Filing an appeal: the rules shared by the citizen's form and the JSON API.

Flow: `validate_intake` → `start_intake` (a draft with its photos, and an SMS code for the
phone) → `confirm_intake` with the code → an Appeal with its number, first event and receipt
SMS, in one transaction. An anonymous 检举控告 needs no phone and is filed at once. Partner
systems (Open311) that verified the caller themselves go `validate_intake` →
`start_trusted_intake`: no SMS code, the same limits and the same `_file`.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from mashang.core.crypto import blind_index, digests_match, secret_digest
from mashang.core.ratelimit import RateLimited, allow, check, hit, peek
from mashang.core.text import clean_text
from mashang.deadlines import clock
from mashang.notifications.outbox import queue_sms
from mashang.qrcodes.models import Placement

from .choices import (
    CONTENT_MAX,
    CONTENT_MIN,
    MAX_PHOTOS,
    NAME_MAX,
    PLACE_MAX,
    AppealStatus,
    AppealType,
    Channel,
    EventKind,
)
from .models import Appeal, AppealEvent, AppealPhoto, IntakeDraft, Sequence, SmsCode
from .photos import PendingImage, PhotoError, decode_images, inspect_images

CODE_TTL = timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")

RATE_CODE = "获取验证码太频繁了，请稍后再试。"
RATE_FILE = "提交太频繁了，请稍后再试。如有紧急情况请拨打 110、119、120。"


class IntakeError(Exception):
    """Validation failed: `errors` maps a field name to a message the citizen can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class IntakeData:
    type: str
    content: str
    place_description: str = ""
    name: str = ""
    phone: str = ""
    id_number: str = ""
    anonymous: bool = False
    # Inspected (size, format, declared dimensions) but not decoded: `start_intake` decodes
    # them only after every rate limit has passed.
    photos: list[PendingImage] = field(default_factory=list)

    @property
    def needs_phone(self) -> bool:
        return not (self.type == AppealType.ACCUSATION and self.anonymous)


def normalise_phone(raw: str) -> str:
    """Accept any spacing, dashes and a +86 prefix, as people write numbers."""
    digits = re.sub(r"[\s\-()（）]", "", clean_text(raw, compat=True))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def phone_error(phone: str) -> str | None:
    if not phone:
        return "请填写手机号码，用于接收验证码和办理结果"
    if not PHONE_RE.match(phone):
        return "手机号码应为以1开头的11位数字，如 13800000000"
    return None


def validate_intake(
    *,
    type: str,
    content: str,
    place_description: str = "",
    name: str = "",
    phone: str = "",
    id_number: str = "",
    anonymous: bool = False,
    photos=(),
    content_max: int = CONTENT_MAX,
) -> IntakeData:
    """Check every field at once and the photos' headers; raise IntakeError listing each problem.

    No pixel is decoded here: that waits until `start_intake` has checked the rate limits.
    `content_max`: the form's limit; Open311 partners may send the specification's 4,000."""
    errors: dict[str, str] = {}
    if type not in AppealType.values:
        errors["type"] = "请选择诉求类型"
    content = clean_text(content, multiline=True)
    if not content:
        errors["content"] = "请填写诉求内容"
    elif len(content) < CONTENT_MIN:
        errors["content"] = f"诉求内容至少写{CONTENT_MIN}个字，说清楚事情和地点"
    elif len(content) > content_max:
        errors["content"] = f"诉求内容不能超过{content_max}字，现在是{len(content)}字"
    place_description = clean_text(place_description)
    if len(place_description) > PLACE_MAX:
        errors["place_description"] = f"地点描述不能超过{PLACE_MAX}字"
    name = clean_text(name)
    if len(name) > NAME_MAX:
        errors["name"] = f"姓名不能超过{NAME_MAX}字"
    id_number = clean_text(id_number, compat=True).upper()
    if id_number and not ID_RE.match(id_number):
        errors["id_number"] = "身份证号应为18位，最后一位可以是数字或X"
    if anonymous and type != AppealType.ACCUSATION:
        errors["anonymous"] = "只有检举控告可以匿名，请选择“检举控告”或取消匿名"
    phone = normalise_phone(phone)
    if not (anonymous and type == AppealType.ACCUSATION) or phone:
        message = phone_error(phone)
        if message:
            errors["phone"] = message
    cleaned: list[PendingImage] = []
    try:
        cleaned = inspect_images(photos, max_count=MAX_PHOTOS)
    except PhotoError as exc:
        errors["photos"] = str(exc)
    if errors:
        raise IntakeError(errors)
    if anonymous and type == AppealType.ACCUSATION:
        # Anonymous means anonymous: nothing that identifies the reporter is kept.
        name = phone = id_number = ""
    return IntakeData(
        type=type,
        content=content,
        place_description=place_description,
        name=name,
        phone=phone,
        id_number=id_number,
        anonymous=anonymous and type == AppealType.ACCUSATION,
        photos=cleaned,
    )


@dataclass
class IntakeResult:
    draft: IntakeDraft
    appeal: Appeal | None = None
    query_code: str | None = None  # shown once on the receipt; only its digest is stored
    sms_code: str | None = None  # returned only so the embedded demo can show it
    replayed: bool = False  # the token was seen before: the caller decides what to reveal


def start_intake(
    placement: Placement, data: IntakeData, *, token: str, ip: str | None, channel: str = Channel.QR
) -> IntakeResult:
    """Save a draft (idempotent on `token`) and send the SMS code, or file at once if anonymous."""
    existing = IntakeDraft.objects.filter(token=token).select_related("appeal").first()
    if existing is not None:
        return IntakeResult(draft=existing, appeal=existing.appeal, replayed=True)
    ip_key = ip or "unknown"
    # Every limit is checked before anything is written, photos included.
    if data.needs_phone:
        phone_key = blind_index(data.phone)
        check([(f"file:phone:{phone_key}", 10, 86400), (f"file:ip:{ip_key}", 30, 3600)], RATE_FILE)
        _code_limits(SmsCode.PURPOSE_INTAKE, phone_key, ip_key, resend=False)
    else:
        phone_key = ""
        check([(f"file:ip:{ip_key}", 30, 3600)], RATE_FILE)
    try:
        photos = decode_images(data.photos)
    except PhotoError as exc:
        raise IntakeError({"photos": str(exc)}) from exc
    saved: list[AppealPhoto] = []
    try:
        with transaction.atomic():
            draft = _new_draft(
                data,
                token=token,
                channel=channel,
                division=placement.division,
                phone_key=phone_key,
                placement=placement,
            )
            for photo in photos:
                saved.append(
                    AppealPhoto.objects.create(
                        draft=draft,
                        image=photo.content,
                        width=photo.width,
                        height=photo.height,
                        size=photo.size,
                    )
                )
            if not data.needs_phone:
                appeal, query_code = _file(draft)
                return IntakeResult(draft=draft, appeal=appeal, query_code=query_code)
            code = _new_code(
                SmsCode.PURPOSE_INTAKE, phone_key, data.phone, draft=draft, ip=ip_key, checked=True
            )
    except IntegrityError:
        _delete_files(saved)
        # The same token raced in from a double tap: the first one wins.
        existing = IntakeDraft.objects.filter(token=token).select_related("appeal").first()
        if existing is None:
            raise
        return IntakeResult(draft=existing, appeal=existing.appeal, replayed=True)
    except Exception:
        _delete_files(saved)  # the rows rolled back: the files must go too
        raise
    return IntakeResult(draft=draft, sms_code=code)


def start_trusted_intake(
    data: IntakeData,
    *,
    division,
    token: str,
    source: str,
    source_limit: int,
    staff_note: str = "",
    kind: str = "",
    addressee_unit=None,
) -> IntakeResult:
    """File at once for a partner system that verified the caller itself (Open311).

    No SMS code round trip; everything else is the form's: `data` comes from `validate_intake`,
    the phone has the same daily limit (shared with every channel), the partner (`source`) has
    an hourly limit in place of the per-IP one, and `_file` writes the appeal, its first event
    and the receipt SMS in one transaction. Accusations never come in this way. `staff_note`
    (e.g. the partner's photo link) becomes an internal note only staff read. `kind` and
    `addressee_unit`: the poster the citizen would have used (书记（镇长）码…), if any.
    The caller's transaction, if it has one, is this one (no savepoint): a failure here fails
    the caller's filing as a whole.
    """
    if data.type == AppealType.ACCUSATION:
        raise IntakeError({"type": "检举控告请通过县纪委监委渠道提交"})
    phone_key = blind_index(data.phone)
    check(
        [(f"file:phone:{phone_key}", 10, 86400), (f"file:partner:{source}", source_limit, 3600)],
        RATE_FILE,
    )
    with transaction.atomic(savepoint=False):
        draft = _new_draft(
            data, token=token, channel=Channel.OPEN311, division=division, phone_key=phone_key
        )
        appeal, query_code = _file(draft, photos=False, kind=kind, addressee_unit=addressee_unit)
        if staff_note:
            AppealEvent.objects.create(
                appeal=appeal, kind=EventKind.NOTE, new_status=appeal.status, note=staff_note
            )
    return IntakeResult(draft=draft, appeal=appeal, query_code=query_code)


def _new_draft(data: IntakeData, *, token, channel, division, phone_key, placement=None):
    return IntakeDraft.objects.create(
        token=token,
        placement=placement,
        channel=channel,
        division=division,
        type=data.type,
        content=data.content,
        place_description=data.place_description,
        reporter_name=data.name,
        reporter_phone=data.phone,
        reporter_id_number=data.id_number,
        phone_index=phone_key,
        is_anonymous=not data.needs_phone,
    )


def _delete_files(photos: list[AppealPhoto]) -> None:
    for photo in photos:
        photo.image.delete(save=False)


DRAFT_TTL = timedelta(days=1)


def _check_fresh(draft: IntakeDraft) -> None:
    if draft.created_at < timezone.now() - DRAFT_TTL:
        raise IntakeError({"code": "填写已超过一天，请重新扫码提交"})


def resend_intake_code(draft: IntakeDraft, *, ip: str | None) -> str:
    if draft.appeal_id:
        raise IntakeError({"code": "此诉求已提交，无需再获取验证码"})
    _check_fresh(draft)
    with transaction.atomic():
        return _new_code(
            SmsCode.PURPOSE_INTAKE,
            draft.phone_index,
            draft.reporter_phone,
            draft=draft,
            ip=ip or "unknown",
            resend=True,
        )


def _new_code(
    purpose: str,
    phone_key: str,
    phone: str,
    *,
    draft=None,
    ip: str,
    resend: bool = False,
    send: bool = True,
    checked: bool = False,
) -> str:
    """Queue a fresh code (limits in `_code_limits`, unless the caller `checked` them).
    `send=False` stores a code nobody receives, so an unknown phone behaves exactly like a
    known one."""
    if not checked:
        _code_limits(purpose, phone_key, ip, resend=resend)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    # A new code replaces the old ones for the same purpose and phone.
    SmsCode.objects.filter(purpose=purpose, phone_index=phone_key, used_at__isnull=True).update(
        used_at=now
    )
    SmsCode.objects.create(
        purpose=purpose,
        phone_index=phone_key,
        draft=draft,
        code_digest=secret_digest(code),
        expires_at=now + CODE_TTL,
    )
    if send:
        queue_sms(phone, "sms_code", {"code": code})
    return code


def send_code(purpose: str, phone_key: str, phone: str, *, ip: str, send: bool = True) -> str:
    """A fresh code for `purpose` (a sign-in by phone: tracking, another pillar's), a minute
    between two. `send=False`: stored but not sent (a phone that filed nothing)."""
    return _new_code(purpose, phone_key, phone, ip=ip, resend=True, send=send)


def _code_limits(purpose: str, phone_key: str, ip: str, *, resend: bool) -> None:
    """5 codes an hour and 10 a day per phone, 30 an hour per IP, a minute before a resend."""
    rules = [
        (f"code:phone:{phone_key}:h", 5, 3600),
        (f"code:phone:{phone_key}:d", 10, 86400),
        (f"code:ip:{ip}", 30, 3600),
    ]
    if resend:
        rules.insert(0, (f"code:gap:{purpose}:{phone_key}", 1, 60))
    check(rules, RATE_CODE)
    if not resend:
        allow(f"code:gap:{purpose}:{phone_key}", 1, 60)  # start the minute before a resend


class CodeError(IntakeError):
    pass


def check_code(purpose: str, phone_key: str, entered: str, *, draft=None) -> None:
    """Use up a valid code, or raise CodeError saying what to do; wrong tries are counted."""
    entered = (entered or "").strip()
    if not entered:
        raise CodeError({"code": "请填写短信验证码"})
    with transaction.atomic():  # the attempt is counted even when the code is wrong
        problem = _use_code(purpose, phone_key, entered, draft)
    if problem:
        raise CodeError({"code": problem})


def _use_code(purpose, phone_key, entered, draft) -> str | None:
    qs = SmsCode.objects.select_for_update().filter(
        purpose=purpose, phone_index=phone_key, used_at__isnull=True
    )
    if draft is not None:
        qs = qs.filter(draft=draft)
    sms = qs.order_by("-created_at").first()
    now = timezone.now()
    if sms is None:
        return "请先获取短信验证码"
    if sms.expires_at <= now:
        return "验证码已过期，请重新获取"
    if sms.attempts >= CODE_MAX_ATTEMPTS:
        return "验证码输错次数过多，请重新获取"
    if not digests_match(entered, sms.code_digest):
        SmsCode.objects.filter(pk=sms.pk).update(attempts=F("attempts") + 1)
        left = CODE_MAX_ATTEMPTS - sms.attempts - 1
        if left <= 0:
            return "验证码输错次数过多，请重新获取"
        return f"验证码不正确，还可以再试{left}次"
    SmsCode.objects.filter(pk=sms.pk).update(used_at=now)
    return None


QUERY_CLIENT_LIMIT = 10  # tries per client and number, an hour (counted by the view)
QUERY_GUARD = 100  # wrong codes for one number in a day, from all clients together
QUERY_GUARDED = (
    "这个受理编号今天的错误查询太多，为保护您的信息，暂停在新设备上用查询码查询。"
    "请在提交诉求的手机上查询，或用手机号验证查询，或明天再试。"
)


def check_query_code(number: str, entered: str, *, known_device: bool = False) -> Appeal | None:
    """The appeal if the query code is right, else None.

    Nothing locks a number for its owner: wrong codes are counted per number in the rate
    store (for numbers that exist and numbers that do not, alike), and past QUERY_GUARD in a
    day only a device that opened this appeal before may still try (RateLimited for others).
    Clients are throttled per IP and number by the caller. A 6-digit code at 100 wrong tries
    a day takes decades to guess."""
    key = f"track:fail:{number}"
    if not known_device and peek(key, 86400) >= QUERY_GUARD:
        raise RateLimited(QUERY_GUARDED)
    appeal = Appeal.objects.filter(number=number).first()
    # A missing number costs the same comparison as a real one.
    digest = appeal.query_code_digest if appeal is not None else secret_digest("no such appeal")
    if digests_match(entered, digest) and appeal is not None:
        return appeal
    hit(key, 86400)
    return None


def confirm_intake(draft: IntakeDraft, entered_code: str) -> IntakeResult:
    """File the draft as an appeal once its SMS code checks out (idempotent)."""
    if draft.appeal_id:
        return IntakeResult(draft=draft, appeal=draft.appeal)
    _check_fresh(draft)
    entered_code = (entered_code or "").strip()
    if not entered_code:
        raise CodeError({"code": "请填写短信验证码"})
    # Spending the code and filing commit together: a crash in between leaves the code unspent
    # and the draft unfiled, so the retry with the same code finishes the job.
    with transaction.atomic():
        # Lock the row and re-read what may have changed since the caller read it: only its
        # appeal (a draft is written once; filing it sets `appeal` and nothing else).
        filed = (
            IntakeDraft.objects.select_for_update()
            .filter(pk=draft.pk)
            .values_list("appeal_id", flat=True)
            .get()
        )
        if filed:
            draft.appeal = Appeal.objects.get(pk=filed)
            return IntakeResult(draft=draft, appeal=draft.appeal)
        problem = _use_code(SmsCode.PURPOSE_INTAKE, draft.phone_index, entered_code, draft)
        if problem is None:
            appeal, query_code = _file(draft)
    if problem:  # raised after the commit, so the wrong try stays counted
        raise CodeError({"code": problem})
    return IntakeResult(draft=draft, appeal=appeal, query_code=query_code)


def next_number(year: int, *, accusation: bool = False) -> str:
    """430422-2026-000123 for appeals, in sequence. An accusation gets a random public
    reference (430422-2026-J7K3M9PX): a sequence would tell every filer how many accusations
    came in this year, and its gaps nothing else does."""
    county = getattr(settings, "COUNTY_CODE", "430422")
    if accusation:
        return accusation_reference(year)
    return f"{county}-{year}-{_increment(f'appeal:{county}:{year}'):06d}"


def _increment(name: str) -> int:
    """Add one to the counter `name` (created at 1) and return it: one upsert statement, which
    keeps the row locked to the end of the caller's transaction (the old get_or_create, update
    and re-read took five)."""
    q = connection.ops.quote_name
    table, value = q(Sequence._meta.db_table), q("value")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({q('name')}, {value}) VALUES (%s, 1) "
            f"ON CONFLICT ({q('name')}) DO UPDATE SET {value} = {table}.{value} + 1 "
            f"RETURNING {value}",
            [name],
        )
        (count,) = cursor.fetchone()
    return int(count)


# No 0/O, 1/I/L: read out over the phone without mistakes. 31^8 ≈ 8.5 × 10^11 references.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def accusation_reference(year: int, *, taken=None) -> str:
    """A fresh random reference; `taken(number)` says whether it is in use (the database)."""
    county = getattr(settings, "COUNTY_CODE", "430422")
    taken = taken or (lambda n: Appeal.objects.filter(number=n).exists())
    while True:
        tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        number = f"{county}-{year}-J{tail}"
        if not taken(number):
            return number


def _file(
    draft: IntakeDraft, *, photos: bool = True, kind: str = "", addressee_unit=None
) -> tuple[Appeal, str]:
    """Turn a checked draft into an appeal: one transaction with photos, event and receipt SMS.

    `photos=False`: the caller knows the draft has none (a partner's filing), so no statement
    moves them. `kind` and `addressee_unit` stand in for a poster's, when there is none."""
    now = timezone.now()
    query_code = f"{secrets.randbelow(1_000_000):06d}"
    placement = draft.placement
    accusation = draft.type == AppealType.ACCUSATION
    year = timezone.localtime(now).year
    # The year's counter row stays locked from its increment to the commit, so every filing
    # waits for the one before it while it holds it: the number comes last (bench/load.py
    # measured filings queueing on that lock). Until then the row carries the draft's id.
    appeal = Appeal(
        number=next_number(year, accusation=True) if accusation else f"~{draft.pk}",
        query_code_digest=secret_digest(query_code),
        channel=draft.channel,
        placement=placement,
        kind=placement.kind if placement else kind,
        # By id: the rows themselves are not needed to file, and reading them costs a query each.
        division_id=draft.division_id,
        addressee_unit_id=placement.addressee_unit_id
        if placement
        else getattr(addressee_unit, "pk", None),
        type=draft.type,
        content=draft.content,
        place_description=draft.place_description,
        reporter_name=draft.reporter_name,
        reporter_phone=draft.reporter_phone,
        reporter_id_number=draft.reporter_id_number,
        phone_index=draft.phone_index,
        is_anonymous=draft.is_anonymous,
        status=AppealStatus.ACCUSATION_NEW if accusation else AppealStatus.PENDING_DISPATCH,
        received_at=now,
        submission_token=draft.token,
    )
    clock.received(appeal)
    appeal.save(force_insert=True)
    if photos:
        AppealPhoto.objects.filter(draft=draft).update(appeal=appeal)
    AppealEvent.objects.create(
        appeal=appeal,
        at=now,
        kind=EventKind.RECEIVED,
        new_status=appeal.status,
        is_public=True,
        public_text="检举控告已提交，转县纪委监委处理" if accusation else "诉求已提交，等待分派",
    )
    draft.appeal = appeal
    draft.save(update_fields=["appeal"])
    if not accusation:
        appeal.number = next_number(year)
        Appeal.objects.filter(pk=appeal.pk).update(number=appeal.number)
    if draft.reporter_phone:
        queue_sms(
            draft.reporter_phone,
            "accusation_received" if accusation else "appeal_received",
            {"number": appeal.number, "query_code": query_code},
            appeal=appeal,
        )
    return appeal, query_code


def purge_stale_drafts(older_than: timedelta = DRAFT_TTL) -> int:
    """Drafts never confirmed are deleted with their photos (personal data is not kept).

    Each draft is re-read under a lock: one confirmed a moment ago is left alone."""
    cutoff = timezone.now() - older_than
    count = 0
    stale = IntakeDraft.objects.filter(appeal__isnull=True, created_at__lt=cutoff)
    for pk in list(stale.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            draft = IntakeDraft.objects.select_for_update().filter(pk=pk).first()
            if draft is None or draft.appeal_id:
                continue
            photos = list(AppealPhoto.objects.filter(draft=draft, appeal__isnull=True))
            AppealPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
            draft.delete()
            transaction.on_commit(lambda photos=photos: _delete_files(photos))
        count += 1
    return count


__all__ = [
    "IntakeData",
    "IntakeError",
    "IntakeResult",
    "RateLimited",
    "check_code",
    "confirm_intake",
    "resend_intake_code",
    "start_intake",
    "start_trusted_intake",
    "validate_intake",
]
