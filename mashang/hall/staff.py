"""Staff pages of the hall: the window workbench (sign on, call, serve), and 帮代办."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role
from mashang.stats.forms import request_period
from mashang.stats.metrics import period_label

from . import actions, proxy, visits
from .choices import TicketStatus
from .models import Hall, Ticket, Window, WindowSession, Zone
from .workflow import MOVES, TicketError, allowed

CLERKS = (Role.WINDOW_CLERK, Role.PROXY_CLERK)


def _held(clerk):
    return list(
        Ticket.objects.filter(
            clerk=clerk,
            status__in=[TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.HOLD],
        )
        .select_related("zone", "window", "application")
        .order_by("called_at")
    )


@staff_view(*CLERKS)
def workbench(request):
    """叫号工作台: sign on to a window, call the next ticket, serve it, link its application."""
    session = actions.current_session(request.user)
    context = {"nav": nav_for(request.user), "session": session}
    if session is None:
        halls = Hall.objects.filter(is_active=True).order_by("id")
        hall = halls.filter(code=request.GET.get("hall")).first() or halls.first()
        busy = set(
            WindowSession.objects.filter(window__hall=hall, ended_at__isnull=True).values_list(
                "window_id", flat=True
            )
        )
        context.update(
            hall=hall,
            halls=halls[:30],
            windows=Window.objects.filter(hall=hall, is_active=True) if hall else [],
            busy=busy,
        )
        return render(request, "hall/workbench_signon.html", context)
    from .intake import prefill

    window = session.window
    held = _held(request.user)
    waiting = actions.waiting_for(window).select_related("zone")
    context.update(
        window=window,
        held=[
            (
                t,
                [(m, MOVES[m].label) for m in allowed(t, request.user)],
                None if t.application_id else prefill(t, request.user),
            )
            for t in held
        ],
        waiting=list(waiting[:20]),
        waiting_count=waiting.count(),
        zones=Zone.objects.filter(hall=window.hall_id),
        windows=Window.objects.filter(hall=window.hall_id, is_active=True).exclude(pk=window.pk),
    )
    return render(request, "hall/workbench.html", context)


@staff_view(*CLERKS)
@require_POST
def sign_on(request):
    window = get_object_or_404(Window, pk=request.POST.get("window") or 0)
    try:
        actions.sign_on(window, clerk=request.user)
    except TicketError as exc:
        messages.error(request, str(exc))
    return redirect("hall_workbench")


@staff_view(*CLERKS)
@require_POST
def sign_off(request):
    actions.sign_off(clerk=request.user)
    return redirect("hall_workbench")


@staff_view(*CLERKS)
@require_POST
def call_next(request):
    try:
        ticket = actions.call_next(clerk=request.user)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        if ticket is None:
            messages.info(request, "目前没有等候的号码。")
        else:
            messages.success(request, f"已叫 {ticket.number} 号。")
    return redirect("hall_workbench")


@staff_view(*CLERKS)
@require_POST
def ticket_action(request, pk: int, action: str):
    # Only tickets this clerk holds: the workflow refuses anyone else's.
    ticket = get_object_or_404(Ticket, pk=pk, clerk=request.user)
    if action not in MOVES or action in ("call", "cancel"):
        raise Http404("没有这个操作")
    zone = window = None
    if action == "transfer":
        target = request.POST.get("target", "")
        if target.startswith("z"):
            zone = Zone.objects.filter(pk=target[1:] or 0, hall=ticket.hall_id).first()
        elif target.startswith("w"):
            window = Window.objects.filter(pk=target[1:] or 0, hall=ticket.hall_id).first()
    try:
        actions.act(
            ticket,
            action,
            clerk=request.user,
            zone=zone,
            window=window,
            note=request.POST.get("note", ""),
        )
    except TicketError as exc:
        messages.error(request, str(exc))
    return redirect("hall_workbench")


@staff_view(*CLERKS)
@require_POST
def ticket_link(request, pk: int):
    """Link the application just filed (by its number) to the ticket being served."""
    from mashang.applications.models import Application

    ticket = get_object_or_404(Ticket, pk=pk, clerk=request.user)
    number = (request.POST.get("number") or "").strip()
    application = Application.objects.filter(number=number).first()
    if application is None:
        messages.error(request, "没有找到这个申请编号。")
        return redirect("hall_workbench")
    try:
        actions.link_application(ticket, application, clerk=request.user)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{ticket.number}号已关联办件 {application.number}。")
    return redirect("hall_workbench")


# --- 帮代办 -------------------------------------------------------------------------------------

PROXIES = (Role.PROXY_CLERK, Role.HALL_MANAGER, Role.ADMIN)


def _parse_date(raw):
    from datetime import date

    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@staff_view(*PROXIES)
def proxy_list(request):
    """帮代办: my authorisations, and a new one with its signed or photographed letter."""
    from mashang.applications.actions import FilingError
    from mashang.applications.uploads import UploadError, clean_material

    errors, values = {}, {}
    if request.method == "POST" and request.user.has_role(Role.PROXY_CLERK):
        values = request.POST
        letter = None
        upload = request.FILES.get("letter")
        if upload is not None:
            try:
                letter = clean_material(upload, label="授权委托书")
            except UploadError as exc:
                errors["letter"] = str(exc)
        if not errors:
            try:
                auth = proxy.authorise(
                    proxy=request.user,
                    principal_name=values.get("principal_name", ""),
                    principal_phone=values.get("principal_phone", ""),
                    principal_id_number=values.get("principal_id_number", ""),
                    scope=values.get("scope", ""),
                    expires_on=_parse_date(values.get("expires_on")),
                    letter=letter,
                )
            except FilingError as exc:
                errors.update(exc.errors)
            else:
                messages.success(request, "授权已登记。")
                return redirect("hall_proxy_detail", auth.pk)
    rows = proxy.authorisations_for(request.user).prefetch_related("filings")[:100]
    return render(
        request,
        "hall/proxy_list.html",
        {
            "nav": nav_for(request.user),
            "rows": rows,
            "errors": errors,
            "error_list": list(errors.items()),
            "values": values,
            "may_create": request.user.has_role(Role.PROXY_CLERK),
        },
    )


@staff_view(*PROXIES)
def proxy_detail(request, pk: int):
    """One authorisation: the letter, the applications filed under it, and filing another."""
    from mashang.applications import actions as application_actions
    from mashang.applications.actions import field_rows, window_plan
    from mashang.catalog.queries import published_items

    from .intake import held_ticket

    auth = get_object_or_404(proxy.authorisations_for(request.user), pk=pk)
    # ?ticket=: filing for the ticket being served at this proxy's window; linked once filed
    ticket = held_ticket(request.user, request.GET["ticket"]) if request.GET.get("ticket") else None
    item = None
    code = (request.GET.get("item") or request.POST.get("item") or "").strip()
    if code:
        item = published_items().filter(code=code).first()
        if item is None:
            messages.error(request, "没有找到这个事项编码。")
    # The 情形 the proxy picks, as at the window: only its materials and fields; the
    # principal's own fields (姓名, 手机号, 身份证号) come from the authorisation, asked once.
    params = request.POST if request.method == "POST" else request.GET
    plan = window_plan(item, None, params) if item else None
    errors, values = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST" and plan is not None:
        id_number = auth.principal_id_number or (values.get("applicant_id_number") or "")
        principal = application_actions.Applicant(
            name=auth.principal_name,
            phone=auth.principal_phone,
            id_number=id_number.strip().upper(),
        )
        answers = {f.code: values.get(f"f_{f.code}") for f, _r in plan.fields}
        try:
            _principal, form = application_actions.check_filing(
                plan, answers, principal, validated=True
            )
        except application_actions.FilingError as exc:
            errors.update(exc.errors)
        if not errors:
            received = {int(v) for v in values.getlist("seen") if v.isdigit()}
            try:
                application = proxy.file_for(
                    auth,
                    proxy=request.user,
                    item=item,
                    form=form,
                    received=received,
                    plan=plan,
                    id_number=principal.id_number,
                )
            except application_actions.FilingError as exc:
                errors.update(exc.errors)
            except TicketError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"已代为提交 {application.number}。")
                if ticket is not None:
                    from .intake import link

                    link(request, ticket, application)
                    return redirect("hall_workbench")
                return redirect("hall_proxy_detail", auth.pk)
    return render(
        request,
        "hall/proxy_detail.html",
        {
            "nav": nav_for(request.user),
            "auth": auth,
            "filings": auth.filings.select_related("application"),
            "item": item,
            "plan": plan,
            "fields": field_rows(plan, values, errors) if plan else [],
            "entries": plan.entries if plan else [],
            "seen": set(values.getlist("seen")) if values else set(),
            "errors": errors,
            "values": values,
            "may_file": auth.proxy_id == request.user.pk,
            "ticket": ticket,
        },
    )


@staff_view(*PROXIES)
def proxy_letter(request, pk: int):
    from django.http import FileResponse

    from mashang.core.audit import audit

    auth = get_object_or_404(proxy.authorisations_for(request.user), pk=pk)
    audit("hall.proxy_letter", actor=request.user, obj=auth, request=request)
    return FileResponse(auth.letter.open("rb"), filename=auth.letter.name.rsplit("/", 1)[-1])


# --- figures ------------------------------------------------------------------------------------

FIGURES = (Role.HALL_MANAGER, Role.COUNTY_LEADER, Role.SUPERVISOR, Role.ADMIN)
GROUPS = [
    ("zones", "服务区"),
    ("windows", "窗口"),
    ("clerks", "工作人员"),
    ("days", "日"),
    ("months", "月"),
]
COLUMNS = [
    "tickets",
    "served",
    "no_shows",
    "wait_p50",
    "wait_p90",
    "serve_p50",
    "serve_p90",
    "after_hours",
]


@staff_view(*FIGURES)
def figures_page(request):
    from .metrics import METRICS, figures

    since, until = request_period(request)
    data = figures(since, until)
    labels = {m.key: m.label for m in METRICS}
    return render(
        request,
        "hall/figures.html",
        {
            "nav": nav_for(request.user),
            "period": period_label(since, until),
            "metrics": [(m, data["headline"][m.key]) for m in METRICS],
            "columns": [labels[c] for c in COLUMNS],
            "groups": [
                (label, [(g["key"], [g[c] for c in COLUMNS]) for g in data[key]])
                for key, label in GROUPS
            ],
            "params": request.GET,
        },
    )


@staff_view(*FIGURES)
def figures_export(request):
    """The figures as Excel, one sheet per breakdown; names typed by people stay text."""
    from io import BytesIO

    from django.http import HttpResponse
    from openpyxl import Workbook

    from mashang.core.audit import audit
    from mashang.documents.sheets import text_cell

    from .metrics import METRICS, figures

    since, until = request_period(request)
    data = figures(since, until)
    labels = {m.key: m.label for m in METRICS}
    wb = Workbook()
    ws = wb.active
    ws.title = "总览"
    text_cell(ws, 1, 1, f"大厅统计 {period_label(since, until)}")
    for row, m in enumerate(METRICS, 2):
        text_cell(ws, row, 1, m.label)
        text_cell(ws, row, 2, data["headline"][m.key])
        text_cell(ws, row, 3, m.formula)
    for key, label in GROUPS:
        sheet = wb.create_sheet(label)
        for col, title in enumerate([label] + [labels[c] for c in COLUMNS], 1):
            text_cell(sheet, 1, col, title)
        for row, g in enumerate(data[key], 2):
            for col, value in enumerate([g["key"]] + [g[c] for c in COLUMNS], 1):
                text_cell(sheet, row, col, value)
    audit("hall_figures_exported", actor=request.user, request=request)
    out = BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="hall-figures.xlsx"'
    return response


@staff_view(*FIGURES)
def wall(request):
    """大厅数据大屏: today's figures of the centre in big type, refreshed every 30 seconds."""
    from datetime import datetime, time

    from mashang.deadlines.calendar import SHANGHAI

    from .choices import HallKind, TicketStatus
    from .metrics import figures

    hall = Hall.objects.filter(kind=HallKind.CENTRE).first()
    today = actions.local_day()
    start = datetime.combine(today, time(0), SHANGHAI)
    data = figures(start, None, hall=hall)
    waiting = Ticket.objects.filter(hall=hall, day=today, status=TicketStatus.WAITING).count()
    on_duty = WindowSession.objects.filter(window__hall=hall, ended_at__isnull=True).count()
    return render(
        request,
        "hall/wall.html",
        {
            "hall": hall,
            "h": data["headline"],
            "zones": data["zones"],
            "waiting": waiting,
            "on_duty": on_duty,
            "today": today,
            "as_of": timezone.localtime(),
        },
    )


# --- 上门办 -------------------------------------------------------------------------------------

VISITS = (Role.HALL_MANAGER, Role.PROXY_CLERK, Role.WINDOW_CLERK, Role.DISPATCHER, Role.ADMIN)


@staff_view(*VISITS)
def visit_list(request):
    """上门办: requests taken at the hotline desk, the hall or a village station."""
    from mashang.applications.actions import FilingError

    from .choices import RequestChannel, VisitReason

    errors, values = {}, {}
    halls = Hall.objects.filter(is_active=True).order_by("id")
    if request.method == "POST":
        values = request.POST
        hall = halls.filter(pk=values.get("hall") or 0).first() or halls.first()
        channel = (
            RequestChannel.HOTLINE
            if request.user.has_role(Role.DISPATCHER)
            else RequestChannel.STATION
        )
        try:
            visit = visits.request_visit(
                hall,
                reason=values.get("reason", ""),
                channel=values.get("channel") or channel,
                name=values.get("name", ""),
                phone=values.get("phone", ""),
                address=values.get("address", ""),
                what=values.get("what", ""),
                requested_by=request.user,
            )
        except FilingError as exc:
            errors = exc.errors
        else:
            messages.success(request, "上门办申请已登记，等待大厅管理员安排。")
            return redirect("hall_visit_detail", visit.pk)
    return render(
        request,
        "hall/visit_list.html",
        {
            "nav": nav_for(request.user),
            "rows": visits.visits_for(request.user)[:100],
            "errors": errors,
            "error_list": list(errors.items()),
            "values": values,
            "reasons": VisitReason.choices,
            "channels": RequestChannel.choices,
            "halls": halls[:30],
        },
    )


@staff_view(*VISITS)
def visit_detail(request, pk: int):
    from datetime import datetime

    from mashang.applications.models import Application
    from mashang.applications.uploads import UploadError, clean_material
    from mashang.deadlines.calendar import SHANGHAI
    from mashang.directory.models import Staff

    visit = get_object_or_404(visits.visits_for(request.user), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "schedule":
                try:
                    when = datetime.fromisoformat(request.POST.get("when", "")).replace(
                        tzinfo=SHANGHAI
                    )
                except ValueError:
                    when = None
                staff = [
                    Staff.objects.filter(pk=v, is_active=True).first()
                    for v in request.POST.getlist("staff")
                    if v.isdigit()
                ]
                visits.schedule(visit, when=when, staff=staff, acting_user=request.user)
                messages.success(request, "已安排上门。")
            else:
                photos = [
                    clean_material(f, label="照片") for f in request.FILES.getlist("photos")[:5]
                ]
                numbers = (request.POST.get("applications") or "").split()
                found = list(Application.objects.filter(number__in=numbers))
                visits.record(
                    visit,
                    acting_user=request.user,
                    notes=request.POST.get("notes", ""),
                    photos=photos,
                    applications=found,
                )
                messages.success(request, "办理情况已登记。")
        except (TicketError, UploadError) as exc:
            messages.error(request, str(exc))
        return redirect("hall_visit_detail", visit.pk)
    candidates = []
    if request.user.has_role(Role.HALL_MANAGER):
        candidates = [
            s
            for s in Staff.objects.filter(is_active=True, unit=visit.hall.unit).order_by("id")[:200]
            if not s.has_role(Role.DISCIPLINE)
        ] or list(Staff.objects.filter(is_active=True, unit=request.user.unit)[:200])
    return render(
        request,
        "hall/visit_detail.html",
        {
            "nav": nav_for(request.user),
            "v": visit,
            "candidates": candidates,
            "may_schedule": request.user.has_role(Role.HALL_MANAGER),
            "may_record": visit.staff.filter(pk=request.user.pk).exists(),
        },
    )
