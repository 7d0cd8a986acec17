"""Staff pages of the hall: the window workbench (sign on, call, serve), and 帮代办."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role

from . import actions
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
    window = session.window
    held = _held(request.user)
    waiting = actions.waiting_for(window).select_related("zone")
    context.update(
        window=window,
        held=[(t, [(m, MOVES[m].label) for m in allowed(t, request.user)]) for t in held],
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
