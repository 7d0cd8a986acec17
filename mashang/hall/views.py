"""Public pages of the hall: the screen, the kiosk, a ticket on the phone, appointments.

The screen and the ticket page poll a tiny JSON endpoint every second with If-None-Match; an
unchanged answer is a 304 of a few bytes (the figures and the reasons are in README, 服务大厅).
"""

import json
from urllib.parse import urlencode

import segno
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mashang.appeals.intake import normalise_phone, phone_error
from mashang.catalog.models import Bundle
from mashang.catalog.queries import published_items
from mashang.core.access import public_view

from . import actions, appointments
from .choices import OPEN_TICKET, AppointmentStatus, HallKind, Lane, TicketSource, TicketStatus
from .models import Appointment, Call, Hall, Slot, Ticket, Zone
from .workflow import TicketError

SCREEN_CALLS = 8


def _hall(request) -> Hall:
    code = request.GET.get("hall") or request.POST.get("hall")
    qs = Hall.objects.filter(is_active=True)
    hall = qs.filter(code=code).first() if code else qs.order_by("id").first()
    if hall is None:
        raise Http404("没有这个服务大厅")
    return hall


def _etag_json(request, payload: dict, version: str) -> HttpResponse:
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


def _server_ms() -> int:
    return int(timezone.now().timestamp() * 1000)


@public_view
def screen(request):
    """The calling screen. Its clock shows the server's time (sent with every poll, 304s
    included), so a kiosk PC with a wrong clock or time zone cannot mislead the hall."""
    hall = _hall(request)
    portrait = request.GET.get("layout") == "portrait"
    return render(
        request,
        "hall/screen.html",
        {"hall": hall, "portrait": portrait, "server_ms": _server_ms()},
    )


@public_view
def screen_calls(request):
    """Today's last calls of a hall (the hall's local day, Asia/Shanghai): yesterday's D048 is
    no current call, and numbers start again each day. The ETag is the day and the newest
    call's id, so it changes at midnight as well as with a call (304 when nothing new)."""
    from datetime import datetime, time

    from mashang.deadlines.calendar import SHANGHAI

    hall = _hall(request)
    today = actions.local_day()
    todays = Call.objects.filter(hall=hall, at__gte=datetime.combine(today, time(0), SHANGHAI))
    latest = todays.values_list("id", flat=True).first() or 0
    version = f"{today:%Y%m%d}-{latest}"
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        response["X-Server-Time"] = _server_ms()
        return response
    calls = todays.select_related("ticket", "window")[:SCREEN_CALLS]
    payload = {
        "latest": latest,
        "calls": [
            {
                "id": c.id,
                "number": c.ticket.number,
                "window": c.window.number,
                "text": c.text,
                "at": timezone.localtime(c.at).strftime("%H:%M:%S"),
            }
            for c in calls
        ],
    }
    response = _etag_json(request, payload, version)
    response["X-Server-Time"] = _server_ms()
    return response


def _closed(hall) -> str:
    """The out-of-hours notice, shown once at the top of the kiosk and phone pages."""
    return "" if actions.hall_open(hall, timezone.now()) else actions.closed_message(hall)


def _zones(hall):
    return list(
        Zone.objects.filter(hall=hall).prefetch_related("topics").order_by("order", "letter")
    )


@public_view
def kiosk(request):
    """The entrance kiosk: a big button per zone, priority lanes, and appointment check-in."""
    hall = _hall(request)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "checkin":
                found = appointments.check_in(request.POST.get("code", ""), hall)
                return redirect("hall_kiosk_ticket", found.ticket.token)
            zone = get_object_or_404(Zone, hall=hall, pk=request.POST.get("zone") or 0)
            ticket = actions.take_ticket(
                zone, source=TicketSource.KIOSK, lane=request.POST.get("lane", "")
            )
            return redirect("hall_kiosk_ticket", ticket.token)
        except actions.HallClosed:
            pass  # the page says so once, below
        except TicketError as exc:
            error = str(exc)
    lanes = [(v, label) for v, label in Lane.choices if v and v != Lane.APPOINTMENT]
    take_url = request.build_absolute_uri(reverse("hall_take", args=[hall.code]))
    qr = segno.make(take_url, error="m").svg_inline(scale=6)
    return render(
        request,
        "hall/kiosk.html",
        {
            "hall": hall,
            "zones": _zones(hall),
            "lanes": lanes,
            "error": error,
            "qr": qr,
            "schedule": actions.schedule(hall),
            "closed": _closed(hall),
        },
    )


@public_view
def kiosk_ticket(request, token: str):
    ticket = get_object_or_404(Ticket.objects.select_related("zone", "hall"), token=token)
    return render(
        request,
        "hall/kiosk_ticket.html",
        {"t": ticket, "ahead": actions.ahead_of(ticket), "hall": ticket.hall},
    )


@public_view
def take(request, code: str):
    """The hall's QR code opens this on a phone: the ticket then lives on the phone."""
    hall = get_object_or_404(Hall, code=code, is_active=True)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        zone = Zone.objects.filter(hall=hall, pk=values.get("zone") or 0).first()
        phone = normalise_phone(values.get("phone", ""))
        if zone is None:
            errors["zone"] = "请选择要办理的服务区"
        if phone and phone_error(phone):
            errors["phone"] = phone_error(phone)
        if not errors:
            try:
                ticket = actions.take_ticket(
                    zone,
                    source=TicketSource.PHONE,
                    lane=values.get("lane", ""),
                    phone=phone,
                )
            except actions.HallClosed:
                pass  # the page says so once, above the form
            except TicketError as exc:
                errors["zone"] = str(exc)
            else:
                return redirect("hall_ticket", ticket.token)
    lanes = [(v, label) for v, label in Lane.choices if v != Lane.APPOINTMENT]
    return render(
        request,
        "hall/take.html",
        {
            "hall": hall,
            "zones": _zones(hall),
            "lanes": lanes,
            "errors": errors,
            "error_list": list(errors.items()),
            "values": values,
            "schedule": actions.schedule(hall),
            "closed": _closed(hall),
            "items": (
                list(actions.accepted_items(hall).order_by("name")[:80])
                if hall.kind != HallKind.CENTRE
                else []
            ),
        },
    )


def _ticket_state(ticket: Ticket) -> dict:
    ahead = actions.ahead_of(ticket)
    if ticket.status == TicketStatus.WAITING:
        message = f"前面还有 {ahead} 人" if ahead else "下一位就是您，请留意叫号"
    elif ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.HOLD):
        message = f"请到{ticket.window.number}号窗口" if ticket.window_id else "请留意叫号"
    else:
        message = ENDED_MESSAGES.get(ticket.status, ticket.get_status_display())
    ended = ticket.status not in OPEN_TICKET
    return {
        "number": ticket.number,
        "status": ticket.status,
        # an ended ticket says it once, in the message; the label line is for open ones
        "status_label": "" if ended else ticket.get_status_display(),
        "ended": ended,
        "ahead": ahead,
        "message": message,
    }


ENDED_MESSAGES = {
    TicketStatus.CANCELLED: "已取消排队。如需办理，请重新取号。",
    TicketStatus.DONE: "已办结，感谢您的耐心等待。",
    TicketStatus.NO_SHOW: "已过号。如仍需办理，请到咨询台或重新取号。",
}


@public_view
def ticket_page(request, token: str):
    ticket = get_object_or_404(Ticket.objects.select_related("zone", "hall", "window"), token=token)
    state = _ticket_state(ticket)
    return render(
        request,
        "hall/ticket.html",
        {"t": ticket, "state": state, "state_json": json.dumps(state, ensure_ascii=False)},
    )


@public_view
def ticket_state(request, token: str):
    ticket = get_object_or_404(Ticket.objects.select_related("window"), token=token)
    state = _ticket_state(ticket)
    return _etag_json(request, state, f"{ticket.status}-{ticket.window_id}-{state['ahead']}")


@public_view
@require_POST
def ticket_cancel(request, token: str):
    """不办了: the first tap asks again (a page, no script); only confirm=1 cancels."""
    ticket = get_object_or_404(Ticket.objects.select_related("zone", "hall"), token=token)
    if request.POST.get("confirm") != "1" and ticket.status == TicketStatus.WAITING:
        return render(request, "hall/ticket_cancel_confirm.html", {"t": ticket})
    try:
        actions.cancel_ticket(ticket)
    except TicketError:
        pass  # the page shows the ticket's current state either way
    return redirect("hall_ticket", token)


# --- appointments -------------------------------------------------------------------------------


def _verified_phone(request):
    from mashang.applications.views import _verified_phone as verified

    return verified(request.session)


@public_view
def book(request):
    """Book by zone (or an item or 一件事 from the catalogue) once the phone is verified."""
    hall = _hall(request)
    phone = _verified_phone(request)
    if phone is None:
        return redirect(
            f"{reverse('hall_book_login')}?{urlencode({'next': request.get_full_path()})}"
        )
    item = bundle = None
    if request.GET.get("item"):
        item = published_items().filter(code=request.GET["item"]).first()
    if request.GET.get("bundle"):
        bundle = Bundle.objects.filter(code=request.GET["bundle"], is_active=True).first()
    zones = _zones(hall)
    zone = next((z for z in zones if str(z.pk) == request.GET.get("zone")), None)
    if zone is None and "zone" not in request.GET and (item or bundle):
        zone = actions.zone_for(hall, item=item, bundle=bundle)  # ?zone=0: let me choose
    error = None
    if request.method == "POST" and zone is not None:
        slot = Slot.objects.filter(zone=zone, pk=request.POST.get("slot") or 0).first()
        if slot is None:
            error = "请选择一个时段"
        else:
            try:
                appointment = appointments.book(
                    slot, name=request.POST.get("name", ""), phone=phone, item=item, bundle=bundle
                )
            except TicketError as exc:
                error = str(exc)
            else:
                return redirect("hall_appointment", appointment.token)
    slots = list(appointments.open_slots(zone)[:60]) if zone else []
    return render(
        request,
        "hall/book.html",
        {
            "hall": hall,
            "zones": zones,
            "zone": zone,
            "item": item,
            "bundle": bundle,
            "slots": slots,
            "error": error,
            "name": request.POST.get("name", ""),
            # what is being booked travels with every zone link (and the form's own URL)
            "carry": urlencode(
                {k: request.GET[k] for k in ("item", "bundle") if request.GET.get(k)}
            ),
        },
    )


@public_view
def appointment_page(request, token: str):
    """The link in the SMS: see, cancel or move the appointment."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("slot__zone__hall", "item", "bundle"), token=token
    )
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                booked = appointment.status == AppointmentStatus.BOOKED
                if booked and request.POST.get("confirm") != "1":
                    # the first tap asks again, on its own page (works without script)
                    return render(
                        request, "hall/appointment_cancel_confirm.html", {"a": appointment}
                    )
                appointments.cancel(appointment)
                return redirect("hall_appointment", token)
            slot = Slot.objects.filter(
                zone=appointment.slot.zone, pk=request.POST.get("slot") or 0
            ).first()
            if slot is None:
                raise TicketError("请选择新的时段")
            moved = appointments.reschedule(appointment, slot)
            return redirect("hall_appointment", moved.token)
        except TicketError as exc:
            error = str(exc)
    booked = appointment.status == AppointmentStatus.BOOKED
    slots = (
        list(appointments.open_slots(appointment.slot.zone).exclude(pk=appointment.slot_id)[:30])
        if booked
        else []
    )
    return render(
        request,
        "hall/appointment.html",
        {"a": appointment, "booked": booked, "slots": slots, "error": error},
    )


@public_view
def visit_request(request):
    """上门办 from the phone: the elderly, disabled or seriously ill ask for a home visit."""
    from mashang.applications.actions import FilingError

    from . import visits
    from .choices import RequestChannel, VisitReason

    phone = _verified_phone(request)
    if phone is None:
        return redirect(
            f"{reverse('hall_visit_login')}?{urlencode({'next': request.get_full_path()})}"
        )
    halls = Hall.objects.filter(is_active=True).order_by("id")
    errors, values, done = {}, {}, None
    if request.method == "POST":
        values = request.POST
        hall = halls.filter(pk=values.get("hall") or 0).first() or halls.first()
        try:
            done = visits.request_visit(
                hall,
                reason=values.get("reason", ""),
                channel=RequestChannel.PHONE,
                name=values.get("name", ""),
                phone=phone,
                address=values.get("address", ""),
                what=values.get("what", ""),
            )
        except FilingError as exc:
            errors = exc.errors
    return render(
        request,
        "hall/visit_request.html",
        {
            "halls": halls[:30],
            "reasons": VisitReason.choices,
            "errors": errors,
            "error_list": list(errors.items()),
            "values": values,
            "done": done,
        },
    )
