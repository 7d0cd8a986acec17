"""Citizens' pages: the form behind every QR code, the receipt, and tracking."""

import uuid
from collections import defaultdict

from django.conf import settings
from django.core.signing import BadSignature
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from mashang.core.access import public_view
from mashang.core.audit import client_ip
from mashang.core.crypto import blind_index, secret_digest
from mashang.core.middleware import NUL_MESSAGE, keeps_typing, unavailable_reason
from mashang.core.ratelimit import RateLimited, check
from mashang.qrcodes.actions import record_scan
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement

from . import actions, intake
from .choices import CONTENT_MAX, CONTENT_MIN, MAX_PHOTOS, AppealType, Rating
from .models import Appeal, AppealPhoto, IntakeDraft, SmsCode
from .photos import PhotoError, accept_images
from .queries import (
    SESSION_PHONE,
    appeals_for_phone,
    get_appeal_for_citizen,
    public_timeline,
    remember_tracked,
)
from .workflow import TransitionError

PHOTOS_NOT_STORED = (
    "服务器存储空间暂时不足，照片无法保存，这次没有提交，也没有留下任何记录。"
    "您填写的内容还在：可以先去掉照片再提交，或稍后再试。"
)

# What the form sends back, typed (the anonymous box apart).
FORM_VALUES = ("type", "content", "place_description", "name", "id_number", "phone", "form_token")
FIELD_ORDER = [
    "type",
    "content",
    "photos",
    "place_description",
    "anonymous",
    "name",
    "id_number",
    "phone",
    "code",
]


def _error_list(errors: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(
        errors.items(), key=lambda kv: FIELD_ORDER.index(kv[0]) if kv[0] in FIELD_ORDER else 99
    )


def _type_choices(placement: Placement):
    """检举控告 comes first and is pre-selected on the discipline commission's code."""
    choices = list(AppealType.choices)
    if placement.kind == QRKind.DISCIPLINE:
        choices.sort(key=lambda c: c[0] != AppealType.ACCUSATION)
    return choices


@keeps_typing
@public_view
@require_http_methods(["GET", "POST"])
def scan(request, token: str):
    # The form shows the addressee; only filing needs the division. A token is unique: no
    # ordering (Placement's default sorts by the division's code, a join of its own).
    related = ("division", "addressee_unit") if request.method == "POST" else ("addressee_unit",)
    try:
        placement = Placement.objects.select_related(*related).get(token=token)
    except Placement.DoesNotExist:
        return render(request, "appeals/bad_code.html", status=404)
    if request.method == "GET":
        record_scan(placement)
    if not placement.is_active:
        return render(request, "appeals/retired.html", {"placement": placement}, status=410)

    values = dict.fromkeys(FORM_VALUES, "") | {
        "type": AppealType.ACCUSATION if placement.kind == QRKind.DISCIPLINE else "",
        "anonymous": False,
        "form_token": uuid.uuid4().hex,
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        post = request.POST
        values = {k: post.get(k, "") for k in FORM_VALUES}
        values["anonymous"] = post.get("anonymous") == "1"
        token_value = (values["form_token"] or "")[:64] or uuid.uuid4().hex
        try:
            if getattr(request, "nul_removed", False):
                raise intake.IntakeError({"form": NUL_MESSAGE})
            data = intake.validate_intake(
                type=values["type"],
                content=values["content"],
                place_description=values["place_description"],
                name=values["name"],
                phone=values["phone"],
                id_number=values["id_number"],
                anonymous=values["anonymous"],
                photos=request.FILES.getlist("photos"),
            )
            result = intake.start_intake(placement, data, token=token_value, ip=client_ip(request))
        except intake.IntakeError as exc:
            errors = exc.errors
        except RateLimited as exc:
            errors = {"form": exc.message}
        except OSError as exc:
            # The media disk is full: nothing was kept (start_intake rolled back and removed
            # the files); the form comes back with what was typed and says why.
            if unavailable_reason(exc) != "storage":
                raise
            errors = {"photos": PHOTOS_NOT_STORED}
            status = 503
        else:
            if result.replayed and not _owns_draft(request.session, result.draft.token):
                # A token seen before, from another browser: say so, reveal nothing.
                return render(request, "appeals/already_filed.html", status=409)
            _own_draft(request.session, result.draft.token)
            if result.appeal is not None:
                return _to_receipt(request, result)
            if result.sms_code and settings.DEMO_MODE:
                request.session["demo_sms_code"] = result.sms_code
            return redirect("intake_verify", token=placement.token, draft=result.draft.token)
    return render(
        request,
        "appeals/form.html",
        {
            "placement": placement,
            "values": values,
            # Every field's error reads "" when it has none: a failed template lookup costs
            # three exceptions, and the form looks up each field's error.
            "errors": defaultdict(str, errors),
            "error_list": _error_list(errors),
            "type_choices": _type_choices(placement),
            "content_min": CONTENT_MIN,
            "content_max": CONTENT_MAX,
            "max_photos": MAX_PHOTOS,
        },
        status=400 if errors and status == 200 else status,
    )


SESSION_DRAFTS = "own_drafts"


def _own_draft(session, token: str) -> None:
    """Only the browser that typed a draft may confirm it and see its receipt."""
    owned = session.get(SESSION_DRAFTS, [])
    if token not in owned:
        session[SESSION_DRAFTS] = (owned + [token])[-20:]


def _owns_draft(session, token: str) -> bool:
    return token in session.get(SESSION_DRAFTS, [])


def _to_receipt(request, result):
    """The receipt with the query code is the answer to the filing POST itself: the code is
    never written to the session, so nothing secret outlives the page that shows it. Later
    visits (a reload, the confirm link again) go to the receipt page without the code."""
    appeal = result.appeal
    remember_tracked(request.session, appeal)
    if result.query_code:
        response = render(
            request, "appeals/receipt.html", {"appeal": appeal, "query_code": result.query_code}
        )
        response["Cache-Control"] = "no-store"
        _remember_tracker(request, response, appeal.number)
        return response
    return redirect("appeal_receipt", number=appeal.number)


@public_view
@require_http_methods(["GET", "POST"])
def verify(request, token: str, draft: str):
    if not _owns_draft(request.session, draft):
        raise Http404("没有找到待提交的诉求")
    draft_obj = get_object_or_404(
        IntakeDraft.objects.select_related("placement", "appeal"),
        token=draft,
        placement__token=token,
    )
    if draft_obj.appeal_id:
        return _to_receipt(request, intake.IntakeResult(draft=draft_obj, appeal=draft_obj.appeal))
    errors: dict[str, str] = {}
    notice = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resend":
                code = intake.resend_intake_code(draft_obj, ip=client_ip(request))
                if settings.DEMO_MODE:
                    request.session["demo_sms_code"] = code
                notice = "新的验证码已发送，请查看短信。"
            else:
                result = intake.confirm_intake(draft_obj, request.POST.get("code", ""))
                request.session.pop("demo_sms_code", None)
                return _to_receipt(request, result)
        except intake.IntakeError as exc:
            errors = exc.errors
        except RateLimited as exc:
            errors = {"code": exc.message}
    phone = draft_obj.reporter_phone
    return render(
        request,
        "appeals/verify.html",
        {
            "draft": draft_obj,
            "masked_phone": phone[:3] + "****" + phone[-4:],
            "errors": errors,
            "error_list": _error_list(errors),
            "notice": notice,
            "demo_code": request.session.get("demo_sms_code") if settings.DEMO_MODE else None,
        },
        status=400 if errors else 200,
    )


@public_view
def receipt(request, number: str):
    appeal = get_appeal_for_citizen(request.session, number)
    # The query code was shown once, on the answer to the filing; the SMS has it too.
    return render(request, "appeals/receipt.html", {"appeal": appeal, "query_code": None})


@public_view
def manual_code(request):
    """For a poster whose code will not scan: type the 8-character code printed under it."""
    code = (request.GET.get("code") or "").strip().upper().replace(" ", "")
    error = ""
    if code:
        placement = Placement.objects.filter(manual_code=code).first()
        if placement is not None:
            return redirect("qr_scan", token=placement.token)
        error = "没有找到这个编码，请核对海报二维码下方的8位编码"
    return render(
        request, "appeals/manual.html", {"code": code, "error": error}, status=404 if error else 200
    )


@keeps_typing
@public_view
@require_http_methods(["GET", "POST"])
def track(request):
    """Look up an appeal by number and query code, or start the phone-code route."""
    errors: dict[str, str] = {}
    values = {"number": "", "query_code": "", "phone": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        ip = client_ip(request) or "unknown"
        try:
            if getattr(request, "nul_removed", False):
                raise intake.IntakeError({"form": NUL_MESSAGE})
            if request.POST.get("action") == "phone":
                return _track_send_code(request, values["phone"], ip)
            number = values["number"]
            # Per client (IP, and IP with this number): a stranger's guesses never lock the
            # number for its owner (see intake.check_query_code).
            check(
                [(f"track:ip:{ip}", 30, 3600), (f"track:ipno:{ip}:{number}", 10, 3600)],
                "查询太频繁了，请一小时后再试。",
            )
            if not number:
                errors["number"] = "请填写受理编号"
            if not values["query_code"]:
                errors["query_code"] = "请填写查询码"
            if not errors:
                appeal = intake.check_query_code(
                    number, values["query_code"], known_device=_known_tracker(request, number)
                )
                if appeal is None:
                    errors["query_code"] = "受理编号或查询码不正确，请核对短信中的编号和查询码"
                else:
                    remember_tracked(request.session, appeal)
                    response = redirect("track_detail", number=appeal.number)
                    _remember_tracker(request, response, appeal.number)
                    return response
        except intake.IntakeError as exc:
            errors = exc.errors
        except RateLimited as exc:
            errors = {"form": exc.message}
    return render(
        request,
        "appeals/track.html",
        {"values": values, "errors": errors, "error_list": list(errors.items())},
        status=400 if errors else 200,
    )


TRACKER_COOKIE = "mashang_tracker"
TRACKER_SALT = "mashang.appeals.tracker"
TRACKER_DAYS = 365


def _number_tag(number: str) -> str:
    """A short keyed digest: the cookie does not list which appeals a phone follows."""
    return secret_digest(f"tracker:{number}")[:16]


def _tracker_tags(request) -> list[str]:
    try:
        value = request.get_signed_cookie(
            TRACKER_COOKIE, salt=TRACKER_SALT, max_age=TRACKER_DAYS * 86400
        )
    except (KeyError, BadSignature):
        return []
    return value.split(",")


def _known_tracker(request, number: str) -> bool:
    return _number_tag(number) in _tracker_tags(request)


def _remember_tracker(request, response, number: str) -> None:
    """This phone filed or opened `number`: it stays able to use the query code even while
    strangers' wrong guesses keep new devices out."""
    tag = _number_tag(number)
    tags = [t for t in _tracker_tags(request) if t != tag] + [tag]
    response.set_signed_cookie(
        TRACKER_COOKIE,
        ",".join(tags[-20:]),
        salt=TRACKER_SALT,
        max_age=TRACKER_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _track_send_code(request, raw_phone: str, ip: str):
    phone = intake.normalise_phone(raw_phone)
    problem = intake.phone_error(phone)
    if problem:
        raise intake.IntakeError({"phone": problem})
    phone_key = blind_index(phone)
    # Same limits, same rows, same answers whether or not the phone has appeals: only an
    # SMS is not sent to a phone that filed nothing, so nobody learns who filed what.
    known = Appeal.objects.filter(phone_index=phone_key).exists()
    with transaction.atomic():
        code = intake.send_code(SmsCode.PURPOSE_TRACK, phone_key, phone, ip=ip, send=known)
    if settings.DEMO_MODE and known:
        request.session["demo_sms_code"] = code
    request.session["track_phone_pending"] = phone_key
    request.session["track_phone_masked"] = phone[:3] + "****" + phone[-4:]
    return redirect("track_phone_verify")


@public_view
@require_http_methods(["GET", "POST"])
def track_phone_verify(request):
    phone_key = request.session.get("track_phone_pending")
    if not phone_key:
        return redirect("track")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            intake.check_code(SmsCode.PURPOSE_TRACK, phone_key, request.POST.get("code", ""))
        except intake.IntakeError as exc:
            errors = exc.errors
        else:
            request.session[SESSION_PHONE] = phone_key
            request.session.pop("demo_sms_code", None)
            return redirect("track_mine")
    return render(
        request,
        "appeals/track_phone.html",
        {
            "masked_phone": request.session.get("track_phone_masked", ""),
            "errors": errors,
            "error_list": list(errors.items()),
            "demo_code": request.session.get("demo_sms_code") if settings.DEMO_MODE else None,
        },
        status=400 if errors else 200,
    )


@public_view
def track_mine(request):
    phone_key = request.session.get(SESSION_PHONE)
    if not phone_key:
        return redirect("track")
    return render(request, "appeals/track_mine.html", {"appeals": appeals_for_phone(phone_key)})


@public_view
@require_http_methods(["GET", "POST"])
def track_detail(request, number: str):
    """The public timeline; from here the citizen adds information or rates the result."""
    try:
        appeal = get_appeal_for_citizen(request.session, number)
    except Http404:
        # Another browser (a forwarded link): ask for the query code, reveal nothing.
        return render(
            request,
            "appeals/track.html",
            {
                "values": {"number": number[:24], "query_code": "", "phone": ""},
                "errors": {},
                "error_list": [],
                "ask_code": True,
            },
        )
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _citizen_post(request, appeal)
        if not errors:
            return redirect("track_detail", number=appeal.number)
    return render(
        request,
        "appeals/track_detail.html",
        {
            "appeal": appeal,
            "timeline": public_timeline(appeal),
            "photos": list(appeal.photos.filter(stage__in=CITIZEN_STAGES).order_by("id")),
            "can_add": appeal.status not in actions.FINAL,
            "can_rate": appeal.status == "completed",
            "ratings": Rating.choices,
            "errors": errors,
            "error_list": list(errors.items()),
        },
        status=400 if errors else 200,
    )


def _citizen_post(request, appeal) -> dict[str, str]:
    try:
        if request.POST.get("action") == "rate":
            actions.citizen_rate(
                appeal, request.POST.get("rating", ""), actions.yes_no(request.POST.get("solved"))
            )
        else:
            ip = client_ip(request) or "unknown"
            photos = accept_images(
                request.FILES.getlist("photos"),
                limits=[(f"addinfo:ip:{ip}", 20, 3600), (f"addinfo:appeal:{appeal.pk}", 20, 86400)],
                limit_message="提交太频繁了，请稍后再试。",
                max_count=MAX_PHOTOS,
            )
            actions.citizen_add_info(appeal, request.POST.get("text", ""), photos)
    except PhotoError as exc:
        return {"photos": str(exc)}
    except RateLimited as exc:
        return {"text": exc.message}
    except TransitionError as exc:
        return {"text" if request.POST.get("action") != "rate" else "rating": str(exc)}
    return {}


CITIZEN_STAGES = (AppealPhoto.STAGE_INTAKE, AppealPhoto.STAGE_CITIZEN)


@public_view
def track_photo(request, number: str, photo: int):
    """A photo the citizen sent, for the browser that proved its right to the appeal."""
    appeal = get_appeal_for_citizen(request.session, number)
    item = appeal.photos.filter(pk=photo, stage__in=CITIZEN_STAGES).first()
    if item is None:
        raise Http404("没有这张照片")
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@public_view
def rate_appeal(request, token: str):
    """The link in the result SMS: it proves the right to see and rate this appeal."""
    appeal = Appeal.objects.filter(rating_token=secret_digest(token[:64])).first()
    if appeal is None:
        return render(request, "core/404.html", status=404)
    remember_tracked(request.session, appeal)
    return redirect("track_detail", number=appeal.number)
