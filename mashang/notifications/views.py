from django.shortcuts import render
from django.utils import timezone

from mashang.core.access import staff_view
from mashang.core.nav import nav_for

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
    return render(
        request,
        "notifications/inbox.html",
        {"nav": nav_for(user), "rows": rows, "unread": set(unread)},
    )
