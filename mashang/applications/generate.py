"""A year of applications across the catalogue, for benchmarks (`manage.py benchdata
--applications N`): realistic shares of channels, states, 补正, 即办, bundles and ratings,
written with bulk inserts (identity fields still encrypted row by row), a batch at a time: the
singles and 一件事 parents, then the parts with their parents' ids, the ratings, and the
events in one INSERT … SELECT per batch (received, 补正, accepted, decided, closed)."""

import random
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from django.db import connection, transaction

from mashang.catalog.choices import ItemType
from mashang.catalog.models import Bundle, ItemVersion
from mashang.catalog.queries import in_force
from mashang.core.idcodes import id_number_with_check
from mashang.deadlines import calendar

from .choices import Channel, Decision, Delivery, Event, RatingKind, Status
from .models import Application, ApplicationEvent, ServiceRating

CHANNELS = [(Channel.ONLINE, 0.6), (Channel.WINDOW, 0.33), (Channel.STATION, 0.07)]


@lru_cache(maxsize=20000)
def _due(day, days: int) -> datetime:
    return calendar.add_working_days(
        datetime.combine(day, datetime.min.time(), calendar.SHANGHAI), days
    )


def _pick(rng, pairs):
    x, acc = rng.random(), 0.0
    for value, share in pairs:
        acc += share
        if x < acc:
            return value
    return pairs[-1][0]


RATINGS = [("5", 0.8), ("4", 0.12), ("3", 0.05), ("2", 0.02), ("1", 0.01)]

# One application's history, as events: the step, when it happened, and its public text.
_EVENT_STEPS = [
    # (kind, new status, time column, condition, public text)
    (
        "CASE WHEN channel IN ('online', 'api') THEN '{submitted}' ELSE '{received}' END",
        "'submitted'",
        "received_at",
        "1=1",
        "'申请已提交'",
    ),
    (
        "'{correction}'",
        "'correction'",
        "received_at",
        "corrections > 0",
        "'需补正材料（一次性告知）'",
    ),
    (
        "CASE WHEN instant THEN '{instant}' ELSE '{accept}' END",
        "'accepted'",
        "accepted_at",
        "accepted_at IS NOT NULL",
        "'已受理'",
    ),
    ("'{decide}'", "'decided'", "decided_at", "decided_at IS NOT NULL", "'已作出决定'"),
    (
        "CASE status WHEN 'refused' THEN '{refuse}' WHEN 'withdrawn' THEN '{withdraw}' "
        "ELSE '{deliver}' END",
        "status",
        "completed_at",
        "completed_at IS NOT NULL",
        "CASE status WHEN 'refused' THEN '不予受理' WHEN 'withdrawn' THEN '申请已撤回' "
        "ELSE '已办结' END",
    ),
]


def _insert_events(first_id: int, last_id: int) -> int:
    """Every application's events in [first_id, last_id], written by the database itself."""
    table = ApplicationEvent._meta.db_table
    source = Application._meta.db_table
    kinds = {e.name.lower(): e.value for e in Event}
    selects = [
        f"SELECT id, {when}, {kind.format(**kinds)}, '', {status}, '', {text} "
        f"FROM {source} WHERE id BETWEEN %s AND %s AND {cond}"
        for kind, status, when, cond, text in _EVENT_STEPS
    ]
    params = [first_id, last_id] * len(selects)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (application_id, at, kind, old_status, new_status, note, "
            f"public_text) {' UNION ALL '.join(selects)}",
            params,
        )
        return cursor.rowcount


def generate_applications(
    n: int,
    *,
    now: datetime,
    seed: int = 13,
    batch: int = 5000,
    events: bool = True,
    tick=None,
    open_share: float = 0.5,
) -> int:
    """`n` applications (a 一件事 counts once, its parts besides) received over the year
    before `now`; `tick(k)` after every batch of k. Returns n. `open_share`: the share of the
    last 12 days' applications still in progress (0: a finished history, as the demo's)."""
    from mashang.directory.choices import Role
    from mashang.directory.models import Staff

    rng = random.Random(seed)
    versions = list(ItemVersion.objects.filter(in_force()).select_related("item"))
    if not versions:
        raise ValueError("事项库为空：请先载入演示事项库")
    bundles = list(Bundle.objects.filter(is_active=True).prefetch_related("members"))
    by_item = {v.item_id: v for v in versions}
    clerks = [s for s in Staff.objects.filter(is_active=True) if Role.WINDOW_CLERK in s.role_set]
    start = now - timedelta(days=365)
    span = (now - start).total_seconds() - 3600
    names = "张王李赵刘陈杨黄周吴"
    made = 0
    rows: list[Application] = []  # singles and 一件事 parents
    parts: list[Application] = []  # with .parent set to an object of `rows`
    ratings: list[tuple[Application, str, object]] = []  # (application, rating, clerk)

    def flush():
        nonlocal rows, parts, ratings
        with transaction.atomic():
            Application.objects.bulk_create(rows, batch_size=2500)
            for part in parts:
                part.parent_id = part.parent.pk
            Application.objects.bulk_create(parts, batch_size=2500)
            ServiceRating.objects.bulk_create(
                [
                    ServiceRating(
                        kind=RatingKind.WINDOW if clerk else RatingKind.APPLICATION,
                        application=a,
                        unit_id=(a.window_unit_id or a.unit_id) if clerk else a.unit_id,
                        clerk=clerk,
                        rating=r,
                        at=a.completed_at,
                    )
                    for a, r, clerk in ratings
                ],
                batch_size=1000,
            )
            if events:
                ids = [a.pk for a in rows] + [a.pk for a in parts]
                _insert_events(min(ids), max(ids))
        if tick:
            tick(sum(1 for a in rows))
        rows, parts, ratings = [], [], []

    ended = [(Status.COMPLETED, 0.95), (Status.REFUSED, 0.02), (Status.WITHDRAWN, 0.02)]
    if open_share:  # 中止 stays open: a finished history (open_share=0) has none
        ended.append((Status.SUSPENDED, 0.01))
    else:
        ended[0] = (Status.COMPLETED, 0.96)

    def row(spec, received, channel, number, **extra):
        version = spec
        promised = version.promised_limit_days if version else extra.pop("promised", 5)
        legal = version.legal_limit_days if version else promised * 2
        instant = bool(version) and version.item_type == ItemType.INSTANT
        r = rng.random()
        if instant:
            status = Status.COMPLETED
        elif received > now - timedelta(days=12) and r < open_share:
            status = _pick(
                rng,
                [
                    (Status.SUBMITTED, 0.2),
                    (Status.CORRECTION, 0.1),
                    (Status.ACCEPTED, 0.6),
                    (Status.DEFERRED, 0.05),
                    (Status.DECIDED, 0.05),
                ],
            )
        else:
            status = _pick(rng, ended)
        accepted = (
            None
            if status in (Status.SUBMITTED, Status.CORRECTION, Status.REFUSED)
            else received + timedelta(minutes=rng.randint(5, 600))
        )
        clerk = rng.choice(clerks) if clerks and channel == Channel.WINDOW else None
        a = Application(
            number=number,
            channel=channel,
            status=status,
            applicant_name=rng.choice(names) + "某",
            applicant_phone=f"13{rng.randint(100000000, 999999999)}",
            applicant_id_number=id_number_with_check(
                f"430422{rng.randint(1950, 2005)}0101{rng.randint(0, 999):03d}"
            ),
            phone_index=secrets.token_hex(16),
            received_at=received,
            received_by=clerk,
            window_unit_id=clerk.unit_id if clerk else None,
            accepted_at=accepted,
            accepted_by=clerk if accepted else None,
            instant=instant,
            corrections=1 if status == Status.CORRECTION or rng.random() < 0.08 else 0,
            delivery=Delivery.ELECTRONIC if channel == Channel.ONLINE else Delivery.PICKUP,
            **extra,
        )
        if accepted:
            a.promised_due_at = _due(accepted.date(), promised)
            a.legal_due_at = _due(accepted.date(), legal)
            a.promised_days = promised
        if status in (Status.DECIDED, Status.COMPLETED) and accepted:
            used = 0.0 if instant else max(0.2, rng.gauss(promised * 0.55, promised * 0.3 + 0.5))
            a.days_used = round(used, 2)
            a.decided_at = accepted + timedelta(days=used * 1.4)
            a.decision = Decision.APPROVE if rng.random() < 0.97 else Decision.REFUSE
            if status == Status.COMPLETED:
                a.completed_at = a.decided_at + timedelta(hours=rng.randint(1, 48))
        elif status in (Status.REFUSED, Status.WITHDRAWN):
            a.completed_at = received + timedelta(days=rng.randint(0, 5))
        elif status in (Status.ACCEPTED, Status.DEFERRED):
            a.due_at = a.promised_due_at
            a.warn_at = accepted + (a.promised_due_at - accepted) * 0.75
        return a

    def rate(a):
        if a.status != Status.COMPLETED or a.completed_at > now:
            return
        if rng.random() < 0.6:
            a.rating = _pick(rng, RATINGS)
            ratings.append((a, a.rating, None))
        if a.received_by_id and rng.random() < 0.3:  # 一次一评 at the window
            ratings.append((a, _pick(rng, RATINGS), a.received_by))

    while made < n:
        received = start + timedelta(seconds=rng.random() * span)
        channel = _pick(rng, CHANNELS)
        number = f"B{seed:03d}{made:09d}"  # a second run with another seed adds
        made += 1
        if bundles and rng.random() < 0.03:
            bundle = rng.choice(bundles)
            members = [by_item[m.item_id] for m in bundle.members.all() if m.item_id in by_item]
            parent = row(
                None,
                received,
                channel,
                number,
                promised=bundle.promised_limit_days,
                unit_id=bundle.lead_unit_id,
                bundle=bundle,
                title=bundle.name,
                level="bundle",
            )
            rows.append(parent)
            for j, v in enumerate(members):
                part = row(
                    v,
                    received,
                    channel,
                    f"{number}-{j}",
                    parent=parent,
                    bundle=bundle,
                    item_id=v.item_id,
                    version=v,
                    unit_id=v.item.unit_id,
                    title=v.name,
                    level=v.level,
                )
                for f in ("status", "accepted_at", "decided_at", "completed_at", "decision"):
                    setattr(part, f, getattr(parent, f))
                if part.status not in (Status.DECIDED, Status.COMPLETED):
                    part.days_used = None
                part.instant = False
                parts.append(part)
            rate(parent)
        else:
            v = rng.choice(versions)
            a = row(
                v,
                received,
                channel,
                number,
                item_id=v.item_id,
                version=v,
                unit_id=v.item.unit_id,
                title=v.name,
                level=v.level,
            )
            rows.append(a)
            rate(a)
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    return made
