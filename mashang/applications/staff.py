"""Staff pages: the window's acceptance (一窗受理), queues, one detail page whose forms post to
`application_action`, printed documents, and materials served with an audit row."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mashang.catalog.models import Bundle
from mashang.catalog.queries import current_version, published_items
from mashang.core.access import staff_view
from mashang.core.audit import audit
from mashang.core.nav import nav_for
from mashang.directory.choices import Role
from mashang.stats.forms import request_period
from mashang.stats.metrics import period_label

from . import actions, documents
from .choices import ApplicantKind, Channel, Decision, Delivery, Status
from .documents import KINDS
from .models import MaterialFile
from .queries import applications_for, get_application_for_user
from .uploads import UploadError, clean_material
from .workflow import TRANSITIONS, TransitionError, allowed_actions

STAFF = (
    Role.WINDOW_CLERK,
    Role.REVIEWER,
    Role.UNIT_LEADER,
    Role.SUPERVISOR,
    Role.COUNTY_LEADER,
    Role.ADMIN,
)
TABS = [
    ("prereview", "待预审/补正", {Status.SUBMITTED, Status.CORRECTION}),
    ("review", "审查中", {Status.ACCEPTED, Status.DEFERRED, Status.SUSPENDED}),
    ("pickup", "待送达/领取", {Status.DECIDED}),
    ("done", "已办结", {Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN}),
]


@staff_view(*STAFF)
def application_list(request):
    user = request.user
    default = "prereview" if user.has_role(Role.WINDOW_CLERK) else "review"
    tab = request.GET.get("tab") or default
    statuses = dict((k, s) for k, _l, s in TABS).get(tab, TABS[0][2])
    qs = applications_for(user).filter(status__in=statuses)
    if user.has_role(Role.WINDOW_CLERK) and not user.has_role(Role.REVIEWER):
        qs = qs.filter(parent__isnull=True)  # the window works on whole applications
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number=q) | Q(title__contains=q))
    qs = qs.select_related("unit").order_by("due_at", "received_at", "id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/staff_list.html",
        {
            "nav": nav_for(user),
            "tabs": [(k, label) for k, label, _s in TABS],
            "tab": tab,
            "page": page,
            "rows": page.object_list,
            "q": q,
            "now": timezone.now(),
        },
    )


def _catalogue_search(q: str):
    items = published_items().order_by("name")
    bundles = Bundle.objects.filter(is_active=True).order_by("sort_order", "id")
    if q:
        items = items.filter(Q(name__contains=q) | Q(code=q))
        bundles = bundles.filter(name__contains=q)
    return list(items[:30]), list(bundles[:10])


def _checked_files(request, keys) -> tuple[dict, dict]:
    """{key: [CleanFile]} for every file input, or errors; nothing stored yet."""
    files, errors = {}, {}
    for key, label in keys:
        cleaned = []
        for upload in request.FILES.getlist(f"file_{key}")[:5]:
            try:
                cleaned.append(clean_material(upload, label=label))
            except UploadError as exc:
                errors[f"file_{key}"] = str(exc)
                break
        if cleaned:
            files[key] = cleaned
    return files, errors


@staff_view(Role.WINDOW_CLERK)
def window_new(request):
    """一窗受理: find any item or 一件事, record the applicant, tick the checklist, scan."""
    q = (request.GET.get("q") or "").strip()
    item = bundle = None
    if request.GET.get("item"):
        item = get_object_or_404(published_items(), code=request.GET["item"])
    elif request.GET.get("bundle"):
        bundle = get_object_or_404(Bundle, code=request.GET["bundle"], is_active=True)
    # ?ticket=: started from the hall ticket being served, pre-filled from it (hall.intake)
    ticket = prefill = None
    if request.GET.get("ticket"):
        from mashang.hall import intake

        ticket = intake.held_ticket(request.user, request.GET["ticket"])
        prefill = intake.prefill(ticket, request.user)
        if item is None and bundle is None and (prefill.item or prefill.bundle):
            return redirect(prefill.url)
    if item is None and bundle is None:
        items, bundles = _catalogue_search(q)
        return render(
            request,
            "applications/window_search.html",
            {
                "nav": nav_for(request.user),
                "q": q,
                "items": items,
                "bundles": bundles,
                "ticket": ticket,
            },
        )
    params = request.POST if request.method == "POST" else request.GET
    try:
        plan = actions.window_plan(item, bundle, params)
    except actions.FilingError as exc:
        raise Http404("该事项暂不可办理") from exc
    errors, values = {}, dict(prefill.values) if prefill else {}
    if request.method == "POST":
        values = request.POST
        files, errors = _checked_files(
            request, [(e.material_type.pk, e.name) for e in plan.entries if not e.shared]
        )
        given = actions.Applicant(
            name=(values.get("applicant_name") or "").strip(),
            phone=(values.get("applicant_phone") or "").strip(),
            id_number=(values.get("applicant_id_number") or "").strip().upper(),
            kind=values.get("applicant_kind", ApplicantKind.PERSON),
            firm_name=(values.get("firm_name") or "").strip(),
            firm_uscc=(values.get("firm_uscc") or "").strip().upper(),
        )
        # The applicant block's fields (姓名, 身份证号 …) are taken from it, asked once; the
        # 情形 must be answered. Materials: the window's rule (a missing one is 补正/容缺 later).
        answers = {f.code: values.get(f"f_{f.code}") for f, _r in plan.fields}
        try:
            applicant, form = actions.check_filing(plan, answers, given)
        except actions.FilingError as exc:
            errors.update(exc.errors)
        if not errors:
            received = {int(v) for v in values.getlist("seen") if v.isdigit()}
            try:
                application = actions.file_application(
                    applicant=applicant,
                    channel=Channel.STATION if values.get("station") else Channel.WINDOW,
                    item=item,
                    bundle=bundle,
                    form=form,
                    files=files,
                    received=received,
                    delivery=values.get("delivery", Delivery.PICKUP),
                    post_address=values.get("post_address", ""),
                    acting_user=request.user,
                    token=values.get("token") or None,
                    plan=plan,
                )
            except actions.FilingError as exc:
                errors.update(exc.errors)
            else:
                messages.success(request, f"已收件 {application.number}，请在下方作出受理决定。")
                if ticket is not None:
                    from mashang.hall import intake

                    intake.link(request, ticket, application)
                return redirect("application_detail", application.pk)
    posted = request.method == "POST"
    return render(
        request,
        "applications/window_form.html",
        {
            "nav": nav_for(request.user),
            "item": item,
            "bundle": bundle,
            "version": current_version(item) if item else None,
            "plan": plan,
            "entries": plan.entries,
            "fields": actions.field_rows(plan, values, errors),
            "firm": values.get("applicant_kind") == ApplicantKind.FIRM
            or (not posted and plan.firm_required),
            "errors": errors,
            "values": values,
            "seen": set(values.getlist("seen")) if posted else set(),
            "deliveries": Delivery.choices,
            "token": values.get("token") or uuid.uuid4().hex,
            "ticket": ticket,
        },
    )


@staff_view(*STAFF)
def application_detail(request, pk: int):
    application = get_application_for_user(request.user, pk, request=request)
    materials_of = application.parent if application.parent_id else application
    return render(
        request,
        "applications/staff_detail.html",
        {
            "nav": nav_for(request.user),
            "a": application,
            "materials": materials_of.materials.prefetch_related("files"),
            "parts": application.parts.select_related("unit") if application.is_bundle else [],
            "events": application.events.select_related("actor"),
            "actions": allowed_actions(application, request.user),
            "labels": {k: t.label for k, t in TRANSITIONS.items()},
            "documents": [(k, KINDS[k][0]) for k in documents.available(application)],
            "form": _form_rows(application.form_data),
            "decisions": Decision.choices,
            "now": timezone.now(),
        },
    )


@staff_view(*STAFF)
@require_POST
def application_action(request, pk: int, action: str):
    application = get_application_for_user(request.user, pk, request=request)
    if action not in TRANSITIONS:
        raise Http404("没有这个操作")
    p, user = request.POST, request.user
    try:
        if action == "accept":
            actions.accept_application(application, acting_user=user)
        elif action == "instant":
            actions.finish_instantly(application, acting_user=user, result_text=p.get("result", ""))
        elif action == "defer":
            days = int(p.get("days") or 0) if (p.get("days") or "0").isdigit() else 0
            actions.accept_with_deferral(
                application, acting_user=user, days=days, commitment_signed=bool(p.get("signed"))
            )
        elif action == "correction":
            problems = {
                k.removeprefix("m_"): v
                for k, v in p.items()
                if k.startswith("m_") and k.removeprefix("m_").isdigit() and p.get(f"pick_{k[2:]}")
            }
            actions.request_correction(
                application, problems, acting_user=user, note=p.get("note", "")
            )
        elif action == "supplement":
            holder = application.parent or application
            files, errors = _checked_files(
                request, [(m.pk, m.name) for m in holder.materials.all()]
            )
            if errors:
                raise TransitionError("；".join(errors.values()))
            received = {int(v) for v in p.getlist("seen") if v.isdigit()}
            actions.supplement(application, files, received=received, acting_user=user)
        elif action == "refuse":
            actions.refuse_acceptance(
                application, p.get("reason", ""), p.get("basis", ""), acting_user=user
            )
        elif action == "decide":
            result = request.FILES.get("result_file")
            if result is not None:
                cleaned = clean_material(result, label="电子结果")
                if cleaned.content_type != "application/pdf":
                    raise TransitionError("电子结果须为 PDF 文件。")
                result = cleaned.content
            actions.decide(
                application,
                p.get("decision", ""),
                p.get("reason", ""),
                acting_user=user,
                result_text=p.get("result", ""),
                result_file=result,
            )
        elif action == "deliver":
            actions.deliver(application, acting_user=user, note=p.get("note", ""))
        elif action == "withdraw":
            actions.withdraw(application, p.get("reason", "申请人到窗口撤回"), acting_user=user)
        elif action == "suspend":
            actions.suspend(application, p.get("reason", ""), acting_user=user)
        elif action == "resume":
            actions.resume(application, acting_user=user)
        elif action == "extend":
            days = int(p["days"]) if (p.get("days") or "").isdigit() else 0
            actions.extend(application, days, p.get("reason", ""), acting_user=user)
        elif action == "note":
            actions.add_note(application, p.get("text", ""), acting_user=user)
        else:
            raise TransitionError("请从办件页面操作。")
    except (TransitionError, UploadError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已{TRANSITIONS[action].label}。")
    return redirect("application_detail", application.pk)


@staff_view(*STAFF)
def application_print(request, pk: int, kind: str):
    application = get_application_for_user(request.user, pk, request=request)
    if kind not in documents.available(application):
        raise Http404("此办件尚无这份文书")
    document, issued = documents.build(application, kind)
    body = documents.pdf.render(document)
    audit(
        "application_printed",
        actor=request.user,
        obj=application,
        request=request,
        detail=issued.number,
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{application.number}-{kind}.pdf"'
    return response


@staff_view(*STAFF)
def application_file(request, pk: int, file_id: int):
    application = get_application_for_user(request.user, pk, request=request)
    holder = application.parent or application
    f = MaterialFile.objects.filter(pk=file_id, material__application=holder).first()
    if f is None:
        raise Http404("没有这个文件")
    audit(
        "application_file_viewed",
        actor=request.user,
        obj=application,
        request=request,
        detail=str(f.pk),
    )
    return FileResponse(f.file.open("rb"), content_type=f.content_type)


@staff_view(*STAFF)
def application_result(request, pk: int):
    application = get_application_for_user(request.user, pk, request=request)
    if not application.result_file:
        raise Http404("没有电子结果")
    audit("application_result_viewed", actor=request.user, obj=application, request=request)
    return FileResponse(application.result_file.open("rb"), content_type="application/pdf")


FIGURES = (Role.SUPERVISOR, Role.COUNTY_LEADER, Role.ADMIN)


def _mask(value: str, keep_head: int, keep_tail: int) -> str:
    value = str(value or "")
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def _form_rows(answers: dict) -> list[tuple[str, str]]:
    """The form's answers under their dictionary labels, personal numbers masked like the header
    (ID 4+4, phone 3+4, an account its last 4): the page shows what review needs, no more."""
    from mashang.catalog.choices import FieldKind
    from mashang.catalog.models import FormField

    fields = {f.code: f for f in FormField.objects.filter(code__in=list(answers))}
    rows = []
    for code, value in answers.items():
        field = fields.get(code)
        kind = field.kind if field else ""
        if kind == FieldKind.ID_NUMBER or code == "id_number":
            value = _mask(value, 4, 4)
        elif kind == FieldKind.PHONE or code == "phone":
            value = _mask(value, 3, 4)
        elif "account" in code:
            value = _mask(value, 0, 4)
        rows.append((field.label if field else code, value))
    return rows


@staff_view(*FIGURES)
def application_figures(request):
    from .metrics import METRICS, figures

    since, until = request_period(request)
    data = figures(since, until)
    return render(
        request,
        "applications/figures.html",
        {
            "nav": nav_for(request.user),
            "period": period_label(since, until),
            "data": data,
            "metrics": [(m, data["headline"][m.key]) for m in METRICS],
            "channels": _channel_rows(data),
            "basis": BASIS,
            "params": request.GET,
            "query": _period_query(request),
        },
    )


# 口径: one statement of what each figure counts, on the page and in both exports.
BASIS = (
    "口径：收件数、各项比率和按渠道按申请人提交的办件计，单项事项计一件，“一件事”计一件"
    "（不拆分项）；按单位按各单位审查的事项计，“一件事”的每个分项计入其审查单位，"
    "故各单位收件之和可大于收件数。"
)


def _period_query(request) -> str:
    """The page's period (起/止) as a query string, for the export links."""
    from urllib.parse import urlencode

    return urlencode({k: request.GET[k] for k in ("from", "to") if request.GET.get(k)})


def _channel_rows(data) -> list[tuple[str, int]]:
    labels = dict(Channel.choices)
    return [(labels.get(k, k), v) for k, v in data["by_channel"].items()]


def _pct(value) -> str:
    return "—" if value is None else f"{value}%"


def _num(value) -> str:
    return "—" if value is None else f"{value}"


def _xlsx(wb, filename: str) -> HttpResponse:
    from io import BytesIO

    out = BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


EXPORT_LIMIT = 10000


@staff_view(*STAFF)
def application_export(request):
    """The applications of the page's period as Excel: the first sheet lists what 收件数
    counts (single items and 一件事 as filed), the second the parts of each 一件事 under their
    parent's number. Text typed by people is never a formula."""
    from openpyxl import Workbook

    from mashang.core.spreadsheet import append_row

    since, until = request_period(request)
    qs = applications_for(request.user)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lt=until)
    qs = qs.select_related("unit", "parent").order_by("-received_at", "-id")
    audit("applications_exported", actor=request.user, request=request)

    def when(dt):
        return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else ""

    def cells(a):
        return [
            a.number,
            a.title,
            a.unit.name,
            a.get_channel_display(),
            a.get_status_display(),
            a.applicant_label,
            when(a.received_at),
            when(a.accepted_at),
            when(a.decided_at),
        ]

    headers = ["申请编号", "事项", "审查单位", "渠道", "状态", "申请人", "提交时间", "受理时间"]
    headers.append("决定时间")
    period = period_label(since, until)
    wb = Workbook(write_only=True)
    heads = wb.create_sheet("办件")
    append_row(heads, [f"办件清单（{period}）"])
    append_row(heads, [BASIS])
    append_row(heads, headers)
    for a in qs.filter(parent__isnull=True)[:EXPORT_LIMIT]:
        append_row(heads, cells(a))
    parts = wb.create_sheet("一件事分项")
    append_row(parts, [f"“一件事”分项清单（{period}）"])
    append_row(parts, ["每个分项列在其所属“一件事”的申请编号下，由分项的审查单位审查。"])
    append_row(parts, ["所属一件事", *headers])
    for a in qs.filter(parent__isnull=False).order_by("parent__number", "id")[:EXPORT_LIMIT]:
        append_row(parts, [a.parent.number, *cells(a)])
    return _xlsx(wb, "applications.xlsx")


@staff_view(*FIGURES)
def application_figures_export(request):
    """The figures of the page's period as Excel: 总览, 按渠道, 按单位, 窗口人员评价 — the same
    numbers as the page and `stats --json` (one `metrics.figures` call)."""
    from openpyxl import Workbook

    from mashang.core.spreadsheet import append_row

    from .metrics import METRICS, figures

    since, until = request_period(request)
    data = figures(since, until)
    h = data["headline"]
    r = data["ratings"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("总览")
    append_row(ws, [f"办件统计（{period_label(since, until)}）"])
    append_row(ws, [BASIS])
    append_row(ws, ["指标", "数值", "计算方法"])
    append_row(ws, ["收件数", h["received"], "期间内提交的办件（一件事计一件）"])
    for m in METRICS:
        append_row(ws, [m.label, _pct(h[m.key]), m.formula])
    append_row(ws, ["平均用时", _num(h["days_used_avg"]), "已作出决定的办件，按工作日计"])
    append_row(ws, ["平均承诺时限", _num(h["days_promised_avg"]), "已作出决定的办件，工作日"])
    append_row(ws, [RATINGS_LABEL, _pct(r["satisfaction"]), RATINGS_FORMULA])
    ws = wb.create_sheet("按渠道")
    append_row(ws, ["渠道", "收件数"])
    for label, count in _channel_rows(data):
        append_row(ws, [label, count])
    append_row(ws, ["合计", sum(data["by_channel"].values())])
    ws = wb.create_sheet("按单位")
    append_row(ws, ["按各单位审查的事项计（“一件事”分项计入其审查单位）"])
    append_row(ws, ["单位", "收件", "已决定", "按承诺时限", "按法定时限", "一次办成率"] + UNIT_TAIL)
    for u in data["by_unit"]:
        append_row(
            ws,
            [
                u["unit"],
                u["received"],
                u["decided"],
                _pct(u["on_time_rate"]),
                _pct(u["legal_rate"]),
                _pct(u["first_time_rate"]),
                _num(u["days_used_avg"]),
                _pct(u["satisfaction_rate"]),
            ],
        )
    ws = wb.create_sheet("窗口人员评价")
    append_row(ws, ["人员", "所在单位", "评价数", "满意度"])
    for c in data["ratings_by_clerk"]:
        append_row(ws, [c["clerk"], c["unit"], c["rated"], _pct(c["satisfaction"])])
    audit("application_figures_exported", actor=request.user, request=request)
    return _xlsx(wb, "application-figures.xlsx")


UNIT_TAIL = ["平均用时", "满意度（一事一评）"]
RATINGS_LABEL = "好差评满意度（全部评价）"
RATINGS_FORMULA = "非常满意、满意、基本满意 ÷ 全部评价（一事一评与一次一评）"


@staff_view(Role.WINDOW_CLERK)
def window_rating(request):
    """一次一评: the applicant rates this visit on the window's rating pad."""
    from mashang.appeals.choices import Rating

    if request.method == "POST":
        number = (request.POST.get("number") or "").strip()
        application = (
            applications_for(request.user).filter(number=number).first() if number else None
        )
        try:
            actions.rate_window(
                clerk=request.user,
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
                application=application,
            )
        except TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "感谢您的评价。")
        return redirect("window_rating")
    return render(
        request,
        "applications/window_rating.html",
        {"nav": nav_for(request.user), "ratings": Rating.choices},
    )


@staff_view(Role.SUPERVISOR, Role.ADMIN)
def bad_ratings(request):
    """差评: contacted within 1 working day, rectified, called back (安阳 art. 52)."""
    from mashang.appeals.choices import BAD_RATINGS

    from .models import ServiceRating

    if request.method == "POST":
        row = get_object_or_404(ServiceRating, pk=request.POST.get("rating_id") or 0)
        try:
            actions.handle_bad_rating(
                row, acting_user=request.user, rectification=request.POST.get("rectification", "")
            )
        except TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已记录整改和回访。")
        return redirect("bad_ratings")
    rows = (
        ServiceRating.objects.filter(rating__in=list(BAD_RATINGS))
        .select_related("application", "unit", "clerk")
        .order_by("called_back_at", "contact_due_at", "-id")[:200]
    )
    return render(
        request,
        "applications/bad_ratings.html",
        {"nav": nav_for(request.user), "rows": rows, "now": timezone.now()},
    )
