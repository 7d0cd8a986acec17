"""督办: the supervision office orders a unit to act; the unit answers."""

from django.db import transaction
from django.utils import timezone

from mashang.appeals.models import AppealEvent
from mashang.appeals.queries import appeals_for
from mashang.appeals.workflow import TransitionError
from mashang.core.dates import short_when
from mashang.core.text import clean_text
from mashang.directory.choices import Role
from mashang.notifications.outbox import queue_unit_message

from . import rules
from .models import OrderStatus, SupervisionOrder


@transaction.atomic
def issue_order(appeal, reason: str, *, acting_user, due_at=None) -> SupervisionOrder:
    """For refusal, overdue, unsolved or poor handling (潍坊 art. 26)."""
    if not acting_user.has_role(Role.SUPERVISOR, Role.ADMIN):
        raise TransitionError("只有效能督查人员可以督办。")
    if not appeals_for(acting_user).filter(pk=appeal.pk).exists() or appeal.lead_unit_id is None:
        raise TransitionError("只能督办已派单的诉求。")
    reason = clean_text(reason, multiline=True)
    if len(reason) < 4:
        raise TransitionError("请写明督办事由。")
    now = timezone.now()
    due_at = due_at or rules.deadline("supervision_answer", now)
    if due_at <= now:
        raise TransitionError("答复期限须晚于现在。")
    order = SupervisionOrder.objects.create(
        appeal=appeal,
        unit=appeal.lead_unit,
        issued_by=acting_user,
        reason=reason[:300],
        due_at=due_at,
        next_escalation_at=due_at,
    )
    AppealEvent.objects.create(
        appeal=appeal,
        kind="order",
        actor=acting_user,
        new_status=appeal.status,
        note=f"督办：{reason}",
    )
    queue_unit_message(
        appeal.lead_unit,
        "order_issued",
        {
            "number": appeal.number,
            "due": short_when(due_at, chinese=True),
            "reason": reason[:20],
        },
        appeal=appeal,
    )
    return order


@transaction.atomic
def answer_order(order: SupervisionOrder, answer: str, *, acting_user) -> SupervisionOrder:
    order = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
    if (
        not acting_user.has_role(Role.HANDLER, Role.UNIT_LEADER)
        or acting_user.unit_id != order.unit_id
    ):
        raise TransitionError("只有被督办单位可以答复。")
    if order.status != OrderStatus.OPEN:
        raise TransitionError("这张督办单已经答复过了。")
    answer = clean_text(answer, multiline=True)
    if len(answer) < 4:
        raise TransitionError("请填写答复内容。")
    order.status = OrderStatus.ANSWERED
    order.answer = answer[:2000]
    order.answered_by = acting_user
    order.answered_at = timezone.now()
    order.next_escalation_at = None
    order.save()
    AppealEvent.objects.create(
        appeal=order.appeal,
        kind="order_answer",
        actor=acting_user,
        new_status=order.appeal.status,
        note=f"督办答复：{answer}",
    )
    return order
