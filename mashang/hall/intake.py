"""Starting an application from the ticket being served at a window.

What the ticket and its appointment already say fills the intake form: the applicant's name
and phone, the item or 一件事 booked; when the clerk is a 帮代办员 holding an authorisation from
that phone, the application is filed under it (the principal as applicant). The application
filed is then linked to the ticket (`actions.link_application`, its own transaction).
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from .models import Appointment, ProxyAuthorisation, Ticket


@dataclass
class Prefill:
    ticket: Ticket
    item: object = None
    bundle: object = None
    values: dict = field(default_factory=dict)
    authorisation: ProxyAuthorisation | None = None

    @property
    def url(self) -> str:
        """Where the window starts the application: the proxy's filing page under the
        authorisation, or the one-window intake form, pre-filled either way."""
        query = {"ticket": self.ticket.pk}
        if self.item is not None:
            query["item"] = self.item.code
        elif self.bundle is not None and self.authorisation is None:
            query["bundle"] = self.bundle.code
        if self.authorisation is not None:
            base = reverse("hall_proxy_detail", args=[self.authorisation.pk])
        else:
            base = reverse("window_new")
        return f"{base}?{urlencode(query)}"


def held_ticket(clerk, pk) -> Ticket:
    """A ticket this clerk called (404 for anyone else's). Its status is checked when linking:
    a form filled while the ticket moved on still files, and says it was not linked."""
    ticket = (
        Ticket.objects.filter(pk=pk if str(pk).isdigit() else 0, clerk=clerk)
        .select_related("zone", "hall")
        .first()
    )
    if ticket is None:
        raise Http404("这个号码不在您的窗口办理中")
    return ticket


def authorisation_for(proxy, phone: str) -> ProxyAuthorisation | None:
    """The proxy's valid authorisation from the citizen with this phone, if any (phones are
    encrypted: compared after decryption among the proxy's own few authorisations)."""
    if not phone:
        return None
    rows = ProxyAuthorisation.objects.filter(
        proxy=proxy, revoked_at__isnull=True, expires_on__gte=timezone.localdate()
    ).order_by("-created_at")[:200]
    return next((a for a in rows if a.principal_phone == phone), None)


def prefill(ticket: Ticket, clerk) -> Prefill:
    appointment = Appointment.objects.filter(ticket=ticket).select_related("item", "bundle").first()
    name = appointment.name if appointment else ""
    phone = ticket.phone or (appointment.phone if appointment else "")
    out = Prefill(
        ticket=ticket,
        item=appointment.item if appointment else None,
        bundle=appointment.bundle if appointment else None,
    )
    out.authorisation = authorisation_for(clerk, phone)
    if out.authorisation is not None:
        name, phone = out.authorisation.principal_name, out.authorisation.principal_phone
    out.values = {"applicant_name": name, "applicant_phone": phone}
    return out


def link(request, ticket: Ticket, application) -> bool:
    """Link the application just filed to its ticket; if the ticket moved on meanwhile (转移,
    办结 by another page), the application stands and the clerk is told to link it by hand."""
    from django.contrib import messages

    from .actions import link_application
    from .workflow import TicketError

    try:
        link_application(ticket, application, clerk=request.user)
    except TicketError as exc:
        messages.warning(request, f"办件已提交，但未能关联{ticket.number}号：{exc}")
        return False
    return True
