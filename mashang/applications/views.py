"""Citizens' pages: applying online (一网通办) and following applications under /my/.

The applicant proves their phone once with an SMS code (the appeals' codes and limits); the
session then holds the phone's blind index and the phone itself encrypted, nothing in clear.
"""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from mashang.appeals import intake
from mashang.appeals.choices import Rating
from mashang.catalog.models import Bundle
from mashang.catalog.queries import current_version, published_items
from mashang.core.access import public_view
from mashang.core.audit import audit, client_ip
from mashang.core.crypto import blind_index, decrypt, encrypt
from mashang.core.ratelimit import RateLimited

from . import actions, documents, pending
from .choices import ApplicantKind, Channel, Delivery, Status
from .models import Application, MaterialFile
from .queries import (
    SESSION_PHONE,
    applications_for_phone,
    get_application_for_applicant,
    public_timeline,
)
from .uploads import UploadError, clean_material
from .workflow import TransitionError

PURPOSE = actions.CODE_PURPOSE
SESSION_PHONE_SEALED = "my_phone_sealed"


def _errors(errors: dict) -> list:
    return list(errors.items())


def _verified_phone(session) -> str | None:
    sealed = session.get(SESSION_PHONE_SEALED)
    return decrypt(sealed) if sealed and session.get(SESSION_PHONE) else None


@public_view
def my_login(request, template_name: str = "applications/my_login.html"):
    """Phone + SMS code: the same codes, limits and answers whether or not the phone is known.
    Another page that needs a verified phone (预约, 上门办) passes its own template, which
    extends this one and says what the code is for."""
    next_url = request.GET.get("next") or request.POST.get("next") or reverse("my_list")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("my_list")
    errors, values, sent, demo_code = {}, {"phone": ""}, False, None
    if request.method == "POST":
        values["phone"] = phone = intake.normalise_phone(request.POST.get("phone", ""))
        problem = intake.phone_error(phone)
        if problem:
            errors["phone"] = problem
        elif request.POST.get("action") == "send":
            try:
                code = actions.send_applicant_code(phone, ip=client_ip(request) or "unknown")
                sent = True
                demo_code = code if settings.DEMO_MODE else None
            except RateLimited as exc:
                errors["phone"] = exc.message
        else:
            sent = True
            try:
                intake.check_code(PURPOSE, blind_index(phone), request.POST.get("code", ""))
            except intake.CodeError as exc:
                errors.update(exc.errors)
            else:
                request.session.cycle_key()
                request.session[SESSION_PHONE] = blind_index(phone)
                request.session[SESSION_PHONE_SEALED] = encrypt(phone)
                return redirect(next_url)
    return render(
        request,
        template_name,
        {
            "errors": errors,
            "error_list": _errors(errors),
            "values": values,
            "sent": sent,
            "next": next_url,
            "demo_code": demo_code,
        },
    )


def _target(kind: str, code: str):
    if kind == "item":
        item = get_object_or_404(published_items(), code=code)
        version = current_version(item)
        if not version.online:
            raise Http404("此事项不能网上办理")
        return item, None
    if kind == "bundle":
        return None, get_object_or_404(Bundle, code=code, is_active=True, online=True)
    raise Http404("没有这个事项")


@public_view
def apply(request, kind: str, code: str):
    """The form for the applicant's 情形: the guide's answers come in the query string (and
    are posted back with the form); only the materials and fields of that 情形 are asked, the
    applicant block's fields once, and the server checks the same set again."""
    item, bundle = _target(kind, code)
    phone = _verified_phone(request.session)
    if phone is None:
        return redirect(f"{reverse('my_login')}?{urlencode({'next': request.get_full_path()})}")
    params = request.POST if request.method == "POST" else request.GET
    plan = actions.filing_plan(item, bundle, params)
    errors, values = {}, {}
    token = _form_token(request.POST.get("token")) if request.method == "POST" else None
    token = token or uuid.uuid4().hex
    if request.method == "POST":
        values = request.POST
        files, errors, fresh = _apply_files(request, plan, token)
        if request.POST.get("action") == "cases":
            # 修改情形: the new 情形's form, with what was typed and chosen carried over.
            errors = {k: m for k, m in errors.items() if k.startswith("file_")}
        else:
            application, errors = _apply_submit(
                request, plan, item, bundle, phone, files, token, errors
            )
            if application is not None:
                pending.discard(request.session, token)
                return redirect("my_detail", application.number)
        # Not filed: what passed is kept for this session's next submit.
        pending.keep(request.session, token, fresh)
    firm = values.get("applicant_kind") == ApplicantKind.FIRM or (not values and plan.firm_required)
    return render(
        request,
        "applications/apply.html",
        {
            "item": item,
            "bundle": bundle,
            "title": bundle.name if bundle else item.name,
            "plan": plan,
            "entries": plan.entries,
            "fields": [
                (
                    f,
                    r,
                    values.get(f"f_{f.code}", ""),
                    errors.get(f"f_{f.code}"),
                    actions.field_options(f) if f.kind == "choice" else [],
                )
                for f, r in plan.asked_fields
            ],
            "firm": firm,
            "errors": errors,
            "error_list": _errors(errors),
            "values": values,
            "deliveries": Delivery.choices,
            "masked_phone": phone[:3] + "****" + phone[-4:],
            "token": token,
            "kept": pending.kept_names(request.session, token),
            "file_errors": {
                e.material_type.pk: errors[f"file_{e.material_type.pk}"]
                for e in plan.entries
                if f"file_{e.material_type.pk}" in errors
            },
        },
    )


def _form_token(value) -> str | None:
    value = (value or "").strip()
    return value if len(value) == 32 and all(c in "0123456789abcdef" for c in value) else None


def _apply_files(request, plan, token: str) -> tuple[dict, dict, dict]:
    """The files of this submit, checked; a material not chosen again takes what this session
    kept from its earlier failed submit of the same form. What passed is kept again (until the
    application is filed), so a failed submit never drops a file that was fine. Returns the
    files to file, the errors, and the new files that passed (to keep if the submit fails)."""
    files, errors, fresh = {}, {}, {}
    kept = pending.load(request.session, token)
    for e in plan.entries:
        if e.shared:
            continue
        pk = e.material_type.pk
        uploads = request.FILES.getlist(f"file_{pk}")[:5]
        cleaned = []
        for upload in uploads:
            try:
                cleaned.append((clean_material(upload, label=e.name), upload))
            except UploadError as exc:
                errors[f"file_{pk}"] = str(exc)
                break
        if cleaned and f"file_{pk}" not in errors:
            fresh[pk] = cleaned
            files[pk] = [c for c, _u in cleaned]
        elif kept.get(pk):
            files[pk] = kept[pk]
    return files, errors, fresh


def _apply_submit(request, plan, item, bundle, phone, files, token, errors):
    """Every check at once (the applicant sees all that is wrong); the filed application, or
    the errors."""
    values = request.POST
    given = actions.Applicant(
        name=values.get("applicant_name"),
        phone=phone,
        id_number=values.get("applicant_id_number"),
        kind=values.get("applicant_kind", ApplicantKind.PERSON),
        firm_name=values.get("firm_name", ""),
        firm_uscc=values.get("firm_uscc", ""),
    )
    answers = {f.code: values.get(f"f_{f.code}") for f, _r in plan.fields}
    try:
        applicant, form = actions.check_filing(
            plan, answers, given, files=files, uploads_required=True
        )
    except actions.FilingError as exc:
        for key, message in exc.errors.items():
            errors.setdefault(key, message)
    if errors:
        return None, errors
    try:
        application = actions.file_application(
            applicant=applicant,
            channel=Channel.ONLINE,
            item=item,
            bundle=bundle,
            form=form,
            files=files,
            delivery=values.get("delivery", Delivery.ELECTRONIC),
            post_address=values.get("post_address", ""),
            token=token,
            plan=plan,
        )
    except actions.FilingError as exc:
        return None, exc.errors
    return application, {}


@public_view
def my_list(request):
    phone_index = request.session.get(SESSION_PHONE)
    if not phone_index:
        return redirect("my_login")
    return render(
        request, "applications/my_list.html", {"applications": applications_for_phone(phone_index)}
    )


@public_view
def my_detail(request, number: str):
    application = get_application_for_applicant(request.session, number)
    error = ""
    rule = actions.upload_rule(application)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                if request.POST.get("confirm") != "1":
                    # the first tap asks again, on its own page (works without script)
                    return render(request, "applications/my_withdraw.html", {"a": application})
                actions.withdraw(application, "申请人网上撤回", as_applicant=True)
            elif request.POST.get("action") in ("supplement", "upload"):
                if not rule.mode:
                    raise TransitionError(rule.message)
                files = {}
                holder = application.parent or application
                for m in holder.materials.all():
                    for upload in request.FILES.getlist(f"file_{m.pk}")[:5]:
                        files.setdefault(m.pk, []).append(clean_material(upload, label=m.name))
                actions.upload_as_applicant(application, files)
        except (TransitionError, UploadError) as exc:
            error = str(exc)
        else:
            return redirect("my_detail", application.number)
    return render(
        request,
        "applications/my_detail.html",
        {
            "a": application,
            "timeline": public_timeline(application),
            "materials": application.materials.prefetch_related("files"),
            "open_states": list(actions.OPEN_STATES),
            "upload_mode": rule.mode,
            "upload_ids": rule.material_ids,
            "upload_message": rule.message,
            "needs_supplement": rule.mode == "supplement",
            "may_withdraw": application.status
            in (
                Status.SUBMITTED,
                Status.CORRECTION,
                Status.ACCEPTED,
                Status.DEFERRED,
                Status.SUSPENDED,
            ),
            "error": error,
            "notices": _notice_links(application),
        },
    )


# The written notices the applicant receives (the 容缺承诺书 is theirs to sign, at the window).
APPLICANT_NOTICES = ("acceptance", "correction", "refusal", "decision", "completion")


def _my_notices(application) -> list[str]:
    return [k for k in documents.available(application) if k in APPLICANT_NOTICES]


def _notice_links(application) -> list[tuple[str, str]]:
    """(href, label) of every notice of the application and of a bundle's parts (a part's
    补正 or decision is the part's own document, named with its unit)."""
    links = [
        (
            reverse("my_notice", args=[application.number, k]),
            documents.document_title(application, k),
        )
        for k in _my_notices(application)
    ]
    for part in application.parts.select_related("unit") if application.is_bundle else ():
        for k in _my_notices(part):
            href = (
                reverse("my_notice", args=[application.number, k])
                + "?"
                + urlencode({"part": part.number})
            )
            links.append((href, f"{documents.document_title(part, k)}（{part.unit.name}）"))
    return links


@public_view
def my_notice(request, number: str, kind: str):
    """告知书 / 通知书 / 决定书 as PDF for the applicant: the same document (and 文号) the
    window prints."""
    application = get_application_for_applicant(request.session, number)
    if request.GET.get("part"):  # a bundle's part, reached through its parent only
        application = application.parts.filter(number=request.GET["part"]).first()
        if application is None:
            raise Http404("没有这个办件")
    if kind not in _my_notices(application):
        raise Http404("此办件尚无这份文书")
    document, issued = documents.build(application, kind)
    body = documents.pdf.render(document)
    audit(
        "application_printed", obj=application, request=request, detail=f"applicant {issued.number}"
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{application.number}-{kind}.pdf"'
    return response


@public_view
def my_file(request, number: str, file_id: int):
    application = get_application_for_applicant(request.session, number)
    f = MaterialFile.objects.filter(pk=file_id, material__application=application).first()
    if f is None:
        raise Http404("没有这个文件")
    audit("application_file_viewed", obj=application, request=request, detail=f"applicant {f.pk}")
    return FileResponse(f.file.open("rb"), content_type=f.content_type)


@public_view
def my_result(request, number: str):
    application = get_application_for_applicant(request.session, number)
    holder = (
        application
        if application.result_file
        else application.parts.exclude(result_file="").first()
    )
    if holder is None or application.status not in (Status.DECIDED, Status.COMPLETED):
        raise Http404("还没有电子结果")
    audit("application_result_viewed", obj=application, request=request, detail="applicant")
    return FileResponse(holder.result_file.open("rb"), content_type="application/pdf")


@public_view
def my_rate(request, token: str):
    application = Application.objects.filter(rating_token=token).first() if token else None
    if application is None:
        raise Http404("评价链接无效")
    error, done = "", application.ratings.filter(kind="application").exists()
    if request.method == "POST" and not done:
        try:
            actions.rate_application(
                token, request.POST.get("rating", ""), request.POST.get("comment", "")
            )
            done = True
        except TransitionError as exc:
            error = str(exc)
    return render(
        request,
        "applications/my_rate.html",
        {"a": application, "ratings": Rating.choices, "error": error, "done": done},
    )
