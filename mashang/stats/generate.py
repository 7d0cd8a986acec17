"""Appeal histories written in bulk: the demo county's year (the seed's figures, exactly) and
`benchdata`'s millions. Rows are what the actions would have left — appeal, lead assignment,
the event timeline, the callback — with deadlines from the real working calendar.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mashang.appeals.choices import AppealStatus, AssignmentRole, Rating
from mashang.appeals.intake import accusation_reference
from mashang.appeals.models import Appeal, AppealEvent, Assignment, Callback, Sequence
from mashang.core.crypto import blind_index, secret_digest
from mashang.deadlines import calendar
from mashang.deadlines.calendar import SHANGHAI
from mashang.directory.choices import UnitKind
from mashang.directory.models import Unit
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement

CONTENTS = {
    "consult": [
        "请问农村低保怎么申请，需要哪些材料？",
        "孩子上学的转学手续在哪里办理？",
        "耕地地力保护补贴什么时候发放？",
        "新生儿落户需要带哪些证件？",
    ],
    "help": [
        "家里老人行动不便，想申请上门办理社保认证。",
        "组里的水渠堵了，田里的水排不出去。",
        "屋顶漏雨，家里只有两位老人，想申请危房改造。",
        "村里的自来水停了三天，请帮忙协调。",
    ],
    "complaint": [
        "村道上的路灯坏了三个月，晚上很危险。",
        "工地夜间施工噪音太大，影响休息。",
        "有人在河道边倾倒建筑垃圾。",
        "小区电梯经常停运，物业不处理。",
    ],
    "suggestion": [
        "建议在老街增设公共厕所，方便赶集的群众。",
        "建议镇上学校增加校车班次。",
        "建议在村口安装减速带，保障孩子安全。",
        "建议政务大厅延长周六服务时间。",
    ],
}
RATING_SPLIT = {
    Rating.VERY_SATISFIED: 300,
    Rating.SATISFIED: 200,
    Rating.BASICALLY_SATISFIED: 64,
    Rating.DISSATISFIED: 25,
    Rating.VERY_DISSATISFIED: 9,
}  # 564 satisfied of 598: 94.31 % (衡阳日报 2024-01)


@dataclass
class Plan:
    """How many of what: the demo uses exact numbers, benchdata proportions of a total."""

    effective: int
    invalid: int = 0
    merged: int = 0
    accusations: int = 0
    open_share: float = 0.0  # part of the effective ones still in progress
    ratings: dict = field(default_factory=dict)  # exact split over the completed ones
    rehandled_of_bad: float = 0.88
    late_share: float = 0.04


def _working_time(rng: random.Random, day: datetime) -> datetime:
    hour = rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17])
    minute = (
        rng.randrange(30, 60) if hour in (8, 14) else rng.randrange(0, 60 if hour != 17 else 30)
    )
    return day.replace(hour=hour, minute=minute, second=rng.randrange(60))


class _Numbers:
    """Readable numbers per year without a query per appeal; the sequences move at the end."""

    def __init__(self):
        self.next: dict[int, int] = {}
        self.used: Counter = Counter()
        self.references: set[str] = set()

    def take(self, year: int, accusation: bool) -> str:
        if accusation:  # accusations carry a random reference, never a sequence
            number = accusation_reference(year, taken=lambda n: n in self.references)
            self.references.add(number)
            return number
        name = f"appeal:430422:{year}"
        if name not in self.next:
            seq = Sequence.objects.filter(name=name).first()
            self.next[name] = (seq.value if seq else 0) + 1
        value = self.next[name]
        self.next[name] += 1
        self.used[name] += 1
        return f"430422-{year}-{value:06d}"

    def commit(self) -> None:
        for name, n in self.used.items():
            seq, _ = Sequence.objects.get_or_create(name=name)
            Sequence.objects.filter(pk=seq.pk).update(value=F("value") + n)


def generate(
    plan: Plan,
    *,
    start: datetime,
    end: datetime,
    seed: int = 2024,
    batch: int = 2000,
    events: bool = True,
    tick=None,
    now: datetime | None = None,
) -> dict:
    """Write the plan's appeals with times between `start` and `end`; returns counts.

    `tick(n)` is called after each batch of n appeals is written (a progress bar). Nothing is
    dated after `now` (the clock by default): the last days' answers and callbacks are moved
    back to just before it (`_no_future`)."""
    rng = random.Random(seed)
    limit = (now or timezone.now()) - timedelta(minutes=30)
    placements = list(
        Placement.objects.filter(status="active")
        .select_related("division", "addressee_unit")
        .order_by("id")
    )
    by_kind: dict[str, list] = {}
    for p in placements:
        by_kind.setdefault(p.kind, []).append(p)
    departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("id"))
    townships = {
        u.division.code: u
        for u in Unit.objects.filter(kind=UnitKind.TOWNSHIP).select_related("division")
    }
    kinds = (
        [QRKind.TOWNSHIP] * 55
        + [QRKind.BUREAU] * 30
        + [QRKind.COUNTY_MAYOR] * 8
        + [QRKind.COUNTY_SECRETARY] * 4
        + [QRKind.DISCIPLINE] * 3
    )
    types = ["consult"] * 15 + ["help"] * 30 + ["complaint"] * 40 + ["suggestion"] * 15
    ratings: list[str] = [r for r, n in plan.ratings.items() for _ in range(n)]
    rng.shuffle(ratings)
    numbers = _Numbers()
    span = (end - start).total_seconds()
    roles = (
        ["effective"] * plan.effective
        + ["invalid"] * plan.invalid
        + ["merged"] * plan.merged
        + ["accusation"] * plan.accusations
    )
    rng.shuffle(roles)
    received = sorted(start + timedelta(seconds=rng.random() * span) for _ in roles)
    open_left = int(plan.effective * plan.open_share)
    bad_seen = 0
    counts: Counter = Counter()
    pending: list[tuple[Appeal, dict]] = []

    def flush():
        with transaction.atomic():
            rows = Appeal.objects.bulk_create([a for a, _ in pending], batch_size=batch)
            if events:
                _write_children(rows, [extra for _, extra in pending])
        if tick:
            tick(len(pending))
        pending.clear()

    for role, when in zip(roles, received, strict=True):
        day = when.astimezone(SHANGHAI)
        when = _working_time(rng, day)
        kind = rng.choice(kinds)
        placement = rng.choice(by_kind.get(kind) or placements)
        accusation = role == "accusation"
        type_ = "accusation" if accusation else rng.choice(types)
        phone = f"13{rng.randrange(100000000, 999999999)}"
        appeal = Appeal(
            number=numbers.take(when.year, accusation),
            query_code_digest=secret_digest("0"),
            placement=placement,
            kind=placement.kind,
            division=placement.division,
            addressee_unit=placement.addressee_unit,
            type=type_,
            content=rng.choice(CONTENTS.get(type_, ["某干部在项目验收中收受好处费。"])),
            reporter_phone=phone,
            phone_index=blind_index(phone),
            received_at=when,
        )
        extra = {"role": role}
        late = rng.random() < plan.late_share
        if accusation:
            appeal.status = AppealStatus.DISCIPLINE_DONE
            appeal.accepted_at = when + timedelta(hours=rng.randrange(1, 20))
            appeal.completed_at = appeal.closed_at = when + timedelta(days=rng.randrange(3, 20))
        elif role in ("invalid", "merged"):
            appeal.status = AppealStatus.INVALID if role == "invalid" else AppealStatus.MERGED
            appeal.public_reason = (
                "属紧急情况，请拨打110" if role == "invalid" else "与已有诉求为同一事项"
            )
            appeal.closed_at = when + timedelta(minutes=rng.randrange(5, 50))
            appeal.dispatch_due_at = calendar.add_working_minutes(when, 60)
        else:
            if placement.kind == QRKind.BUREAU:
                lead = placement.addressee_unit
            else:  # the township where the poster hangs, or a department for county codes
                parts = [p for p in placement.division.path.split("/") if p]
                lead = (townships.get(parts[3]) if len(parts) > 3 else None) or rng.choice(
                    departments
                )
            appeal.lead_unit = lead
            appeal.dispatch_due_at = calendar.add_working_minutes(when, 60)
            appeal.dispatched_at = calendar.add_working_minutes(
                when, rng.randrange(70, 180) if late else rng.randrange(5, 55)
            )
            appeal.ack_due_at = calendar.add_working_minutes(appeal.dispatched_at, 30)
            appeal.accepted_at = calendar.add_working_minutes(
                appeal.dispatched_at,
                rng.randrange(35, 90) if rng.random() < 0.05 else rng.randrange(3, 28),
            )
            days = {"consult": 1}.get(type_, 5)
            appeal.complete_due_at = calendar.add_working_days(appeal.dispatched_at, days)
            if open_left > 0 and when > end - timedelta(days=10):
                open_left -= 1
                appeal.status = AppealStatus.ACCEPTED
                appeal.due_at, appeal.due_key = appeal.complete_due_at, f"complete_{type_}"
            else:
                appeal.status = AppealStatus.CLOSED
                finish = (
                    appeal.complete_due_at + timedelta(hours=rng.randrange(2, 30))
                    if late
                    else appeal.complete_due_at - timedelta(hours=rng.randrange(1, 20))
                )
                appeal.completed_at = max(finish, appeal.accepted_at + timedelta(minutes=30))
                appeal.result_text = "已核实处理，问题已解决。"
                rating = (
                    ratings.pop()
                    if ratings
                    else rng.choice(["5"] * 50 + ["4"] * 33 + ["3"] * 11 + ["2"] * 4 + ["1"] * 2)
                )
                appeal.rating, appeal.solved = rating, rating in ("5", "4", "3")
                appeal.rated_at = appeal.closed_at = appeal.completed_at + timedelta(hours=20)
                if rating in ("1", "2"):
                    appeal.ever_bad_rating = True
                    appeal.bad_rating_at = appeal.rated_at
                    appeal.bad_rating_contacted_at = appeal.rated_at + timedelta(hours=3)
                    bad_seen += 1
                    if rng.random() < plan.rehandled_of_bad:
                        appeal.rehandle_count = 1
        _no_future(appeal, limit)
        counts[role if not accusation else "accusation"] += 1
        pending.append((appeal, extra))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    numbers.commit()
    return dict(counts)


def _no_future(appeal: Appeal, limit: datetime) -> None:
    """A history's last days: a reply, a callback or a contact that would fall after `limit`
    is moved back to just before it, each step still after the one before (an appeal answered
    "next week" read as a fault to testers). What was decided (status, rating) is unchanged."""
    chain = ["completed_at", "rated_at", "bad_rating_contacted_at"]
    # how long before each step the previous one at least happened
    before = {"bad_rating_contacted_at": timedelta(hours=3), "rated_at": timedelta(hours=1)}
    present = [f for f in chain if getattr(appeal, f) is not None]
    if not present or getattr(appeal, present[-1]) <= limit:
        return
    latest = limit
    for name in reversed(present):
        value = min(getattr(appeal, name), latest)
        floor = (appeal.accepted_at or appeal.received_at) + timedelta(minutes=1)
        setattr(appeal, name, max(value, floor))
        latest = getattr(appeal, name) - before.get(name, timedelta(0))
    if appeal.closed_at is not None:
        appeal.closed_at = appeal.rated_at or appeal.completed_at
    if appeal.bad_rating_at is not None:
        appeal.bad_rating_at = appeal.rated_at


def _write_children(appeals, extras) -> None:
    """The lead assignment, the event timeline and the callback of each written appeal."""
    assignments, timeline, callbacks = [], [], []
    for appeal in appeals:
        timeline.append(
            AppealEvent(
                appeal=appeal,
                at=appeal.received_at,
                kind="received",
                new_status="pending_dispatch",
                is_public=True,
                public_text="诉求已提交，等待分派",
            )
        )
        if appeal.status in (AppealStatus.INVALID, AppealStatus.MERGED):
            timeline.append(
                AppealEvent(
                    appeal=appeal,
                    at=appeal.closed_at,
                    kind=appeal.status.replace("invalid", "invalidate").replace("merged", "merge"),
                    old_status="pending_dispatch",
                    new_status=appeal.status,
                    is_public=True,
                    public_text=appeal.public_reason,
                )
            )
            continue
        if appeal.lead_unit_id is None:
            continue
        assignments.append(
            Assignment(
                appeal=appeal,
                unit_id=appeal.lead_unit_id,
                role=AssignmentRole.LEAD,
                assigned_at=appeal.dispatched_at,
            )
        )
        timeline += [
            AppealEvent(
                appeal=appeal,
                at=appeal.dispatched_at,
                kind="dispatch",
                old_status="pending_dispatch",
                new_status="dispatched",
                is_public=True,
                public_text="已转交承办单位办理",
            ),
            AppealEvent(
                appeal=appeal,
                at=appeal.accepted_at,
                kind="accept",
                old_status="dispatched",
                new_status="accepted",
                is_public=True,
                public_text="承办单位已受理，正在办理",
            ),
        ]
        if appeal.completed_at:
            timeline.append(
                AppealEvent(
                    appeal=appeal,
                    at=appeal.completed_at,
                    kind="reply",
                    old_status="accepted",
                    new_status="completed",
                    is_public=True,
                    public_text="办理结果：" + appeal.result_text,
                )
            )
        if appeal.rating:
            callbacks.append(
                Callback(
                    appeal=appeal,
                    at=appeal.rated_at,
                    rating=appeal.rating,
                    solved=bool(appeal.solved),
                    note="回访",
                )
            )
            timeline.append(
                AppealEvent(
                    appeal=appeal,
                    at=appeal.rated_at,
                    kind="callback",
                    old_status="completed",
                    new_status="closed",
                    is_public=True,
                    public_text=f"已回访，评价：{Rating(appeal.rating).label}",
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    AppealEvent.objects.bulk_create(timeline, batch_size=2000)
    Callback.objects.bulk_create(callbacks, batch_size=2000)


def seed_history(now: datetime) -> dict:
    """The demo's year up to yesterday: exactly 598 effective appeals, all completed, rated
    564 satisfied of 598 (94.31 %), beside 41 invalid, 23 merged and 37 accusations."""
    end = now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=365)
    plan = Plan(effective=598, invalid=41, merged=23, accusations=37, ratings=RATING_SPLIT)
    from .models import DemoSeed

    DemoSeed.objects.update_or_create(pk=1, defaults={"since": start, "until": end})
    return generate(plan, start=start, end=end - timedelta(hours=12), seed=430422)
