"""An eligibility run: one policy, one period, every record the county holds.

Each record gets a Candidate with its decision and Chinese trace; each eligible beneficiary
without a grant for this policy and period gets one (待审核). The unique constraint on
(policy, period, beneficiary) makes "never twice" hold even against a concurrent run.
"""

import time
from datetime import date
from decimal import Decimal

from django.db import transaction

from mashang.core.audit import audit
from mashang.directory.choices import Role
from mashang.directory.models import Division

from .choices import GrantStatus, PeriodKind, Target
from .models import Candidate, EligibilityRun, FirmYear, Grant, GrantEvent, Person, Policy
from .rules import CompiledPolicy, RuleError, parse_period, period_label
from .workflow import TransitionError

BATCH = 2000
RATE = Decimal("0.0001")


def _firm_facts(row: dict, month: int | None, townships: dict) -> dict:
    months = row["insured"]
    start = months[0]
    end = months[month - 1] if month else months[11]
    avg = Decimal(end) if month else (Decimal(sum(months)) / 12).quantize(Decimal("0.01"))
    layoff = (Decimal(start - end) / start).quantize(RATE) if start and end < start else 0
    return {
        "industry": row["firm__industry"],
        "size": row["firm__size"],
        "township": townships.get(row["firm__township_id"], ""),
        "insured": Decimal(end),
        "insured_avg": avg,
        "layoff_rate": Decimal(layoff),
        "unemployment_paid": row["unemployment_paid"],
        "social_paid": row["social_paid"],
        "loan_interest": row["loan_interest"],
        "dishonest": row["dishonest"],
    }


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _records(policy_target: str, first_day: date, period_kind: str):
    """(key, firm_id, person_id, name, facts) for every record, in a stable order."""
    names = dict(
        Division.objects.filter(level__in=["township", "village"]).values_list("id", "name")
    )
    if policy_target == Target.FIRM:
        month = first_day.month if period_kind == PeriodKind.MONTH else None
        rows = (
            FirmYear.objects.filter(year=first_day.year)
            .order_by("firm__credit_code")
            .values(
                "firm_id",
                "firm__credit_code",
                "firm__name",
                "firm__industry",
                "firm__size",
                "firm__township_id",
                "insured",
                "unemployment_paid",
                "social_paid",
                "loan_interest",
                "dishonest",
            )
        )
        for row in rows.iterator(chunk_size=BATCH):
            yield (
                row["firm__credit_code"],
                row["firm_id"],
                None,
                row["firm__name"],
                _firm_facts(row, month, names),
            )
        return
    county = Division.objects.filter(level="county").values_list("code", flat=True).first() or ""
    parents = dict(Division.objects.filter(level="village").values_list("id", "parent_id"))
    rows = Person.objects.order_by("id_index").values(
        "id", "id_index", "name", "birth_date", "hukou_code", "village_id", "deceased"
    )
    for row in rows.iterator(chunk_size=BATCH):
        yield (
            row["id_index"],
            None,
            row["id"],
            row["name"],
            {
                "age": Decimal(_age(row["birth_date"], first_day)),
                "hukou_local": row["hukou_code"].startswith(county) if county else False,
                "township": names.get(parents.get(row["village_id"]), ""),
                "village": names.get(row["village_id"], ""),
                "deceased": row["deceased"],
            },
        )


def _jsonable(facts: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in facts.items()}


def in_validity(policy: Policy, first_day: date, period_kind: str) -> bool:
    if period_kind == PeriodKind.YEAR:
        last_day = date(first_day.year, 12, 31)
    else:
        nxt = date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)
        last_day = date.fromordinal(nxt.toordinal() - 1)
    return last_day >= policy.valid_from and (
        policy.valid_to is None or first_day <= policy.valid_to
    )


def run_policy(policy: Policy, period: str, *, acting_user) -> EligibilityRun:
    """Evaluate the policy's latest revision for `period` over every record; RuleError if not."""
    if not acting_user.has_role(Role.POLICY_OFFICER):
        raise TransitionError("只有惠企政策专员可以运行政策。")
    revision = policy.revisions.order_by("-number").first()
    if revision is None:
        raise RuleError("政策还没有保存过规则")
    period = (period or "").strip()
    first_day = parse_period(period, revision.rules["period_kind"])
    if not in_validity(policy, first_day, revision.rules["period_kind"]):
        raise RuleError(f"{period_label(period)}不在政策有效期内")
    compiled = CompiledPolicy(revision.rules, period)
    started = time.perf_counter()
    with transaction.atomic():
        # One run of a policy at a time: a second waits here, then sees the first's grants.
        Policy.objects.select_for_update().filter(pk=policy.pk).first()
        run = EligibilityRun.objects.create(
            policy=policy, revision=revision, period=period, started_by=acting_user
        )
        existing, amount_of = {}, {}
        for key, pk, status, amount in Grant.objects.filter(
            policy=policy, period=period
        ).values_list("beneficiary_key", "id", "status", "amount"):
            existing[key], amount_of[pk] = (pk, status), amount
        stats = {"evaluated": 0, "eligible": 0, "new": 0, "already": 0, "total": Decimal("0")}
        buffer = []
        for record in _records(policy.target, compiled.first_day, revision.rules["period_kind"]):
            buffer.append(record)
            if len(buffer) >= BATCH:
                _flush(run, compiled, buffer, existing, amount_of, stats, acting_user)
                buffer = []
        _flush(run, compiled, buffer, existing, amount_of, stats, acting_user)
        run.evaluated, run.eligible = stats["evaluated"], stats["eligible"]
        run.new_grants, run.already = stats["new"], stats["already"]
        run.total_amount = stats["total"]
        run.seconds = round(time.perf_counter() - started, 3)
        run.save()
        audit(
            "benefits.run",
            actor=acting_user,
            obj=run,
            detail=f"{policy.name} {period_label(period)}（第{revision.number}版）：评估 "
            f"{run.evaluated}，符合 {run.eligible}，新增待审核 {run.new_grants}，"
            f"已有记录 {run.already}",
        )
    return run


def _flush(run, compiled, records, existing, amount_of, stats, user) -> None:
    if not records:
        return
    candidates = []
    for _key, firm_id, person_id, name, facts in records:
        decision = compiled.decide(facts)
        candidates.append(
            Candidate(
                run=run,
                firm_id=firm_id,
                person_id=person_id,
                name=name,
                eligible=decision.eligible,
                amount=decision.amount,
                trace=decision.trace,
                facts=_jsonable(facts),
            )
        )
    candidates = Candidate.objects.bulk_create(candidates)
    new, refreshed, dropped, events = [], [], [], []
    for (key, firm_id, person_id, name, _f), cand in zip(records, candidates, strict=True):
        stats["evaluated"] += 1
        found = existing.get(key)
        if cand.eligible:
            stats["eligible"] += 1
        if found is None:
            if cand.eligible:
                new.append(
                    Grant(
                        policy_id=run.policy_id,
                        period=run.period,
                        beneficiary_key=key,
                        firm_id=firm_id,
                        person_id=person_id,
                        name=name,
                        candidate=cand,
                        run=run,
                        amount=cand.amount,
                    )
                )
                existing[key] = (None, GrantStatus.PENDING_REVIEW)
                stats["new"] += 1
                stats["total"] += cand.amount
            continue
        if cand.eligible:
            stats["already"] += 1
        pk, status = found
        if pk is None or status != GrantStatus.PENDING_REVIEW:
            continue  # reviewed, paid, excluded or declined: a re-run never touches it
        if cand.eligible:
            if amount_of.get(pk) == cand.amount:
                continue  # same decision: the grant keeps the trace it was found with
            refreshed.append(Grant(pk=pk, candidate=cand, run=run, amount=cand.amount))
            events.append(
                GrantEvent(
                    grant_id=pk,
                    action="rerun",
                    old_status=status,
                    new_status=status,
                    actor=user,
                    note=f"重新运行，金额 {cand.amount} 元",
                )
            )
        else:
            dropped.append(
                Grant(
                    pk=pk,
                    candidate=cand,
                    run=run,
                    status=GrantStatus.EXCLUDED,
                    reason="重新运行后不再符合条件",
                )
            )
            events.append(
                GrantEvent(
                    grant_id=pk,
                    action="rerun",
                    old_status=status,
                    new_status=GrantStatus.EXCLUDED,
                    actor=user,
                    note="重新运行后不再符合条件",
                )
            )
            existing[key] = (pk, GrantStatus.EXCLUDED)
    Grant.objects.bulk_create(new)
    Grant.objects.bulk_update(refreshed, ["candidate", "run", "amount"])
    Grant.objects.bulk_update(dropped, ["candidate", "run", "status", "reason"])
    GrantEvent.objects.bulk_create(events)
