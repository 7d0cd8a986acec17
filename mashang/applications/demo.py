"""Demo applications in every state, made through the real actions (embedded demo only)."""

from django.utils import timezone

from mashang.catalog.choices import ItemType
from mashang.catalog.models import Bundle, ItemVersion
from mashang.catalog.queries import in_force
from mashang.core.idcodes import id_number_with_check
from mashang.directory.choices import Role
from mashang.directory.models import Staff
from mashang.notifications.models import Message, MessageStatus

from . import actions
from .choices import Channel, Decision, Delivery
from .models import Application


def _reviewer(unit):
    for staff in Staff.objects.filter(unit=unit, is_active=True).order_by("id"):
        if staff.has_role(Role.REVIEWER):
            return staff
    return None


def _person(i: int) -> actions.Applicant:
    return actions.Applicant(
        name="张王李赵刘陈杨黄"[i % 8] + "某" + "一二三四五六七八九十"[i % 10],
        phone=f"1367000{i:04d}",
        id_number=id_number_with_check(f"43042219{80 + i % 20:02d}0101{i % 1000:03d}"),
    )


def load_demo_applications() -> int:
    if Application.objects.exists() or not Staff.objects.filter(username="window").exists():
        return 0
    window = Staff.objects.get(username="window")
    units = {s.unit_id for s in Staff.objects.filter(is_active=True) if s.has_role(Role.REVIEWER)}
    versions = (
        ItemVersion.objects.filter(in_force(), item__unit_id__in=units)
        .select_related("item", "item__unit")
        .order_by("item__code")
    )
    promised = [v for v in versions if v.item_type == ItemType.PROMISED and v.online][:12]
    instant = next((v for v in versions if v.item_type == ItemType.INSTANT), None)
    made = 0

    def file(version, i, *, online=False, all_materials=True, delivery=Delivery.PICKUP):
        nonlocal made
        entries = actions.checklist(version.item)
        brought = {e.material_type.pk for e in entries if all_materials or not e.may_be_missing}
        made += 1
        return actions.file_application(
            applicant=_person(i),
            channel=Channel.ONLINE if online else Channel.WINDOW,
            item=version.item,
            form={},
            received=set() if online else brought,
            acting_user=None if online else window,
            delivery=delivery,
        )

    def accepted(version, i, **kw):
        a = file(version, i, **kw)
        actions.accept_application(a, acting_user=window)
        return a

    if not promised:
        return 0
    v = promised
    file(v[0], 1, online=True)  # 待预审
    a = file(v[1 % len(v)], 2, online=True)
    actions.request_correction(a, {}, acting_user=window)  # 待补正
    accepted(v[2 % len(v)], 3)  # 审查中
    deferrable = next(
        (x for x in v if any(e.may_be_missing for e in actions.checklist(x.item))), None
    )
    if deferrable is not None:
        a = file(deferrable, 4, all_materials=False)
        actions.accept_with_deferral(a, acting_user=window, days=1, commitment_signed=True)
    a = accepted(v[3 % len(v)], 5)
    reviewer = _reviewer(a.unit)
    if reviewer:
        actions.suspend(a, "需组织专家评审，依法中止审查", acting_user=reviewer)
    a = accepted(v[4 % len(v)], 6)
    reviewer = _reviewer(a.unit)
    if reviewer:
        actions.decide(a, Decision.APPROVE, acting_user=reviewer, result_text="准予办理")  # 待领取
    a = accepted(v[5 % len(v)], 7, delivery=Delivery.ELECTRONIC)
    reviewer = _reviewer(a.unit)
    if reviewer:
        actions.decide(a, Decision.APPROVE, acting_user=reviewer, result_text="准予办理")
        actions.deliver(a, acting_user=window)
        a.refresh_from_db()
        actions.rate_application(a.rating_token, "5")
    a = file(v[6 % len(v)], 8)
    actions.refuse_acceptance(
        a,
        "申请事项依法不属于本机关职权范围",
        "《中华人民共和国行政许可法》第三十二条第一款第二项",
        acting_user=window,
    )
    a = accepted(v[7 % len(v)], 9)
    actions.withdraw(a, "申请人到窗口申请撤回", acting_user=window)
    if instant is not None:
        a = file(instant, 10)
        actions.finish_instantly(a, acting_user=window)
    newborn = Bundle.objects.filter(code="newborn", is_active=True).first()
    if newborn is not None:
        made += 1
        parent = actions.file_application(
            applicant=_person(11),
            channel=Channel.WINDOW,
            bundle=newborn,
            form={},
            received={e.material_type.pk for e in actions.checklist(bundle=newborn)},
            acting_user=window,
        )
        actions.accept_application(parent, acting_user=window)
        first = parent.parts.order_by("id").first()
        reviewer = _reviewer(first.unit)
        if reviewer:
            actions.decide(first, Decision.APPROVE, acting_user=reviewer, result_text="已办理")
    made += _history()
    # History, not news: nobody should be texted when the demo starts.
    Message.objects.filter(channel="sms", status=MessageStatus.CREATED).update(
        status=MessageStatus.DELIVERED, sent_at=timezone.now()
    )
    return made


# A finished year behind the demo's open cases, so 办件统计 (whose default period ends
# yesterday 24:00) and its exports show a county's figures on the first start.
DEMO_HISTORY = 3000


def _history() -> int:
    from mashang.deadlines.calendar import SHANGHAI

    from .facts import rebuild_all
    from .generate import generate_applications

    midnight = timezone.localtime(timezone.now(), SHANGHAI).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    made = generate_applications(DEMO_HISTORY, now=midnight, seed=2026, open_share=0.0)
    rebuild_all()
    return made


__all__ = ["load_demo_applications"]
