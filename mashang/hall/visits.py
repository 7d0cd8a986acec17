"""上门办: home service for the elderly, disabled or seriously ill.

A request comes from the phone, the hotline desk or a village station; the hall manager
schedules a visit by two staff; the visitors record what was done (time, notes, photos) and
the applications filed there. Every step is one transaction; the citizen gets an SMS.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mashang.appeals.intake import normalise_phone, phone_error
from mashang.applications.actions import FilingError
from mashang.directory.choices import Role
from mashang.notifications.outbox import queue_sms

from .choices import RequestChannel, VisitReason, VisitStatus
from .models import HomeVisit, VisitPhoto
from .workflow import TicketError


def visits_for(user):
    """Managers see every visit; others the ones they asked for at their hall or go on."""
    qs = HomeVisit.objects.select_related("hall").prefetch_related("staff")
    if user.has_role(Role.HALL_MANAGER, Role.ADMIN):
        return qs
    return qs.filter(Q(staff=user) | Q(requested_by=user)).distinct()


@transaction.atomic
def request_visit(
    hall,
    *,
    reason: str,
    channel: str,
    name: str,
    phone: str,
    address: str,
    what: str,
    requested_by=None,
) -> HomeVisit:
    errors = {}
    if reason not in VisitReason.values:
        errors["reason"] = "请选择上门办理的原因"
    if channel not in RequestChannel.values:
        errors["channel"] = "请选择申请来源"
    name = (name or "").strip()
    if not name or len(name) > 30:
        errors["name"] = "请填写姓名（30字以内）"
    phone = normalise_phone(phone)
    problem = phone_error(phone)
    if problem:
        errors["phone"] = problem
    address = (address or "").strip()
    if len(address) < 5 or len(address) > 200:
        errors["address"] = "请填写详细地址（到门牌号）"
    what = (what or "").strip()
    if len(what) < 2 or len(what) > 200:
        errors["what"] = "请写明要办理的事（200字以内）"
    if errors:
        raise FilingError(errors)
    return HomeVisit.objects.create(
        hall=hall,
        reason=reason,
        channel=channel,
        name=name,
        phone=phone,
        address=address,
        what=what,
        requested_by=requested_by,
    )


@transaction.atomic
def schedule(visit: HomeVisit, *, when, staff: list, acting_user) -> HomeVisit:
    """A visit always by two staff (safety and witness), at a time in the future."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    if not acting_user.has_role(Role.HALL_MANAGER):
        raise TicketError("只有大厅管理员可以安排上门。")
    if visit.status not in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED):
        raise TicketError(f"上门办当前为“{visit.get_status_display()}”，不能安排。")
    people = {s.pk: s for s in staff if s is not None}
    if len(people) != 2:
        raise TicketError("上门办须安排两名工作人员。")
    if when is None or when <= timezone.now():
        raise TicketError("请选择今后的上门时间。")
    visit.status = VisitStatus.SCHEDULED
    visit.scheduled_for = when
    visit.save(update_fields=["status", "scheduled_for"])
    visit.staff.set(people.values())
    queue_sms(
        visit.phone,
        "hall_visit_scheduled",
        {"when": f"{timezone.localtime(when):%m月%d日%H:%M}", "what": visit.what[:20]},
    )
    return visit


@transaction.atomic
def record(visit: HomeVisit, *, acting_user, notes: str, photos=(), applications=()) -> HomeVisit:
    """What was done: by one of the two visitors; photos already checked by content."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != VisitStatus.SCHEDULED:
        raise TicketError(f"上门办当前为“{visit.get_status_display()}”，不能登记办理情况。")
    if not visit.staff.filter(pk=acting_user.pk).exists():
        raise TicketError("只有安排上门的工作人员可以登记办理情况。")
    notes = (notes or "").strip()
    if len(notes) < 2:
        raise TicketError("请填写办理情况。")
    visit.status = VisitStatus.DONE
    visit.visited_at = timezone.now()
    visit.record = notes[:2000]
    visit.save(update_fields=["status", "visited_at", "record"])
    for photo in photos:
        saved = VisitPhoto(visit=visit)
        saved.file.save(photo.content.name, photo.content, save=False)
        saved.save()
    if applications:
        visit.applications.add(*applications)
    return visit
