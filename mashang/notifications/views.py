from django.shortcuts import render
from django.utils import timezone

from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role

from .confidential import confidential
from .models import Message


@staff_view()
def inbox(request):
    """The unit's in-app messages: new dispatches, warnings, escalations, 督办."""
    user = request.user
    qs = (
        Message.objects.filter(channel="inapp", to_unit_id=user.unit_id)
        .select_related("appeal")
        .order_by("-created_at")
    )
    rows = list(qs[:100]) if user.unit_id else []
    unread = [m.pk for m in rows if m.read_at is None]
    if unread:
        Message.objects.filter(pk__in=unread).update(read_at=timezone.now())
    sms = []
    if user.has_role(Role.DISCIPLINE):
        # Messages about accusations are hidden from the administrator's outbox: the
        # commission follows their delivery here.
        sms = list(
            Message.objects.filter(confidential(), channel="sms")
            .exclude(template="sms_code")
            .select_related("appeal")
            .order_by("-created_at")[:100]
        )
    return render(
        request,
        "notifications/inbox.html",
        {"nav": nav_for(user), "rows": rows, "unread": set(unread), "sms": sms},
    )
