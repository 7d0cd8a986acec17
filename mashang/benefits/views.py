"""Staff pages of 免申即享 and the beneficiary's confirmation page (/b/<token>)."""

import io
import random
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mashang.core.access import public_view, staff_view
from mashang.core.audit import audit
from mashang.core.crypto import secret_digest
from mashang.core.nav import nav_for
from mashang.directory.choices import Role
from mashang.stats import metrics as stats_metrics
from mashang.stats.forms import request_period

from . import actions, metrics
from .choices import GrantStatus, ImportKind, Target
from .exports import grants_workbook
from .forms import ConditionFormSet, ImportForm, ParameterFormSet, PolicyForm, kept
from .imports import (
    FIRM_COLUMNS,
    FIRM_OPTIONAL,
    PERSON_COLUMNS,
    PERSON_OPTIONAL,
    ImportRefused,
    import_file,
)
from .models import Firm, Grant, ImportBatch, Person
from .queries import get_grant_for_user, grants_for, policies_for, runs_for
from .rules import FIELDS, CompiledPolicy, RuleError, fmt, period_label
from .runs import run_policy
from .workflow import TransitionError, allowed_actions

OFFICER = (Role.POLICY_OFFICER,)
READERS = (Role.POLICY_OFFICER, Role.ADMIN)
FIGURE_READERS = (
    Role.POLICY_OFFICER,
    Role.FINANCE_CLERK,
    Role.ADMIN,
    Role.COUNTY_LEADER,
    Role.SUPERVISOR,
)
PAGE = 50


def _ctx(request, **extra) -> dict:
    return {"nav": nav_for(request.user), **extra}


@staff_view(*READERS)
def home(request):
    policies = list(policies_for(request.user).order_by("id"))
    since, until = stats_metrics.period(None, None)  # the figures' one default (截至昨日)
    rows = {r["policy"].pk: r for r in metrics.by_policy(since=since, until=until)}
    return render(
        request,
        "benefits/home.html",
        _ctx(
            request,
            policies=[(p, rows.get(p.pk)) for p in policies],
            values=metrics.headline(since=since, until=until),
            period=stats_metrics.period_label(since, until),
            firms=Firm.objects.count(),
            persons=Person.objects.count(),
            runs=runs_for(request.user)[:10],
            pending=grants_for(request.user)
            .filter(status__in=[GrantStatus.PENDING_REVIEW, GrantStatus.PENDING_SECOND])
            .count(),
        ),
    )


def _formsets(request, policy=None):
    if request.method == "POST":
        return (
            PolicyForm(request.POST, instance=policy),
            ConditionFormSet(request.POST, prefix="conditions"),
            ParameterFormSet(request.POST, prefix="parameters"),
        )
    conditions = (
        [{"label": c.label, "expression": c.expression} for c in policy.conditions.all()]
        if policy
        else []
    )
    parameters = (
        [
            {
                "key": p.key,
                "label": p.label,
                "kind": p.kind,
                "valid_from": p.valid_from,
                "value": p.value,
            }
            for p in policy.parameters.all()
        ]
        if policy
        else []
    )
    return (
        PolicyForm(instance=policy),
        ConditionFormSet(initial=conditions, prefix="conditions"),
        ParameterFormSet(initial=parameters, prefix="parameters"),
    )


def _attach(errors: dict[str, str], form, conditions, parameters):
    """Put each rule error next to the row it is about."""
    cond_forms = [
        f for f in conditions.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]
    param_forms = [
        f for f in parameters.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]
    for where, message in errors.items():
        kind, _, index = where.partition("-")
        if kind == "conditions" and index:
            cond_forms[int(index)].add_error("expression", message)
        elif kind == "parameters" and index:
            param_forms[int(index)].add_error("value", message)
        elif kind in form.fields:
            form.add_error(kind, message)
        else:
            form.add_error(None, message)


@staff_view(*OFFICER)
def policy_edit(request, pk: int | None = None):
    policy = get_object_or_404(policies_for(request.user), pk=pk) if pk else None
    form, conditions, parameters = _formsets(request, policy)
    if request.method == "POST":
        if form.is_valid() and conditions.is_valid() and parameters.is_valid():
            cond_rows, param_rows = kept(conditions), kept(parameters)
            try:
                saved = actions.save_policy(
                    policy, form.cleaned_data, cond_rows, param_rows, acting_user=request.user
                )
            except actions.PolicyInvalid as exc:
                _attach(exc.errors, form, conditions, parameters)
            else:
                messages.success(request, f"已保存“{saved.name}”第{saved.revision}版规则。")
                return redirect("benefits_policy", pk=saved.pk)
    fields_for = {t: [(k, f) for k, f in FIELDS[t].items()] for t in Target.values}
    has_errors = request.method == "POST"
    return render(
        request,
        "benefits/policy_edit.html",
        _ctx(
            request,
            policy=policy,
            form=form,
            conditions=conditions,
            parameters=parameters,
            firm_fields=fields_for[Target.FIRM],
            person_fields=fields_for[Target.PERSON],
        ),
        status=400 if has_errors else 200,
    )


@staff_view(*READERS)
def policy_detail(request, pk: int):
    policy = get_object_or_404(policies_for(request.user), pk=pk)
    today = timezone.localdate()
    suggestion = str(today.year - 1) if policy.period_kind == "year" else f"{today:%Y-%m}"
    return render(
        request,
        "benefits/policy_detail.html",
        _ctx(
            request,
            policy=policy,
            conditions=policy.conditions.all(),
            parameters=policy.parameters.all(),
            revisions=policy.revisions.select_related("by")[:10],
            runs=runs_for(request.user).filter(policy=policy)[:20],
            fields=FIELDS[policy.target],
            suggestion=suggestion,
            can_edit=request.user.has_role(Role.POLICY_OFFICER),
        ),
    )


@staff_view(*OFFICER)
@require_POST
def run_start(request, pk: int):
    policy = get_object_or_404(policies_for(request.user), pk=pk)
    try:
        run = run_policy(policy, request.POST.get("period", ""), acting_user=request.user)
    except (RuleError, TransitionError) as exc:
        messages.error(request, str(exc))
        return redirect("benefits_policy", pk=policy.pk)
    messages.success(
        request,
        f"运行完成：评估 {run.evaluated} 个对象，符合 {run.eligible} 个，新增待审核 {run.new_grants} 件。",
    )
    return redirect("benefits_run", pk=run.pk)


@staff_view(*READERS)
def run_detail(request, pk: int):
    run = get_object_or_404(runs_for(request.user), pk=pk)
    g = request.GET
    qs = run.candidates.order_by("id")
    shown = g.get("show", "eligible")
    if shown == "eligible":
        qs = qs.filter(eligible=True)
    elif shown == "ineligible":
        qs = qs.filter(eligible=False)
    if g.get("q"):
        qs = qs.filter(name__contains=g["q"][:50])
    if g.get("sample", "").isdigit():
        qs = _sample(run, int(g["sample"]))
    page = Paginator(qs, PAGE).get_page(g.get("page"))
    grant_of = dict(
        Grant.objects.filter(candidate__in=[c.pk for c in page]).values_list("candidate", "pk")
    )
    return render(
        request,
        "benefits/run.html",
        _ctx(
            request,
            run=run,
            page=page,
            rows=[(c, grant_of.get(c.pk)) for c in page],
            shown=shown,
            period=period_label(run.period),
            params=CompiledPolicy(run.revision.rules, run.period).values_in_force,
            labels={p["key"]: p["label"] for p in run.revision.rules["parameters"]},
        ),
    )


def _sample(run, size: int):
    """抽查: a random sample of the run's eligible candidates, the same each time it is asked."""
    ids = list(run.candidates.filter(eligible=True).values_list("pk", flat=True))
    picked = random.Random(run.pk).sample(ids, min(max(size, 1), 200, len(ids)))
    return run.candidates.filter(pk__in=picked).order_by("id")


def _grant_filters(request, qs):
    g = request.GET
    if g.get("status") in GrantStatus.values:
        qs = qs.filter(status=g["status"])
    if g.get("policy", "").isdigit():
        qs = qs.filter(policy_id=int(g["policy"]))
    if g.get("period"):
        qs = qs.filter(period=g["period"][:7])
    if g.get("q"):
        qs = qs.filter(Q(name__contains=g["q"][:50]) | Q(firm__credit_code=g["q"][:18].upper()))
    if g.get("min_amount", "").isdigit():
        qs = qs.filter(amount__gte=int(g["min_amount"]))
    return qs


@staff_view(*READERS)
def grant_list(request):
    qs = _grant_filters(request, grants_for(request.user)).order_by("id")
    if request.method == "POST":
        return _bulk(request, qs)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/grants.html",
        _ctx(
            request,
            page=page,
            statuses=GrantStatus.choices,
            policies=policies_for(request.user),
            query=request.GET.urlencode(),
            can_approve=request.user.has_role(Role.POLICY_OFFICER),
        ),
    )


def _bulk(request, qs):
    ids = [int(i) for i in request.POST.getlist("grant") if i.isdigit()][:1000]
    chosen = list(qs.filter(pk__in=ids))
    what = request.POST.get("action")
    if what == "approve":
        done, errors = actions.bulk(actions.approve_grant, chosen, acting_user=request.user)
    elif what == "second_approve":
        done, errors = actions.bulk(actions.second_approve_grant, chosen, acting_user=request.user)
    elif what == "pay":
        done, errors = actions.bulk(
            actions.pay_grant,
            chosen,
            voucher=request.POST.get("voucher", ""),
            acting_user=request.user,
        )
    else:
        raise Http404
    if done:
        messages.success(request, f"已处理 {done} 件。")
    for e in errors[:20]:
        messages.error(request, e)
    if not chosen:
        messages.error(request, "请先勾选要处理的记录。")
    return redirect(request.get_full_path())


ACTION_FORMS = {
    "approve": lambda g, r: actions.approve_grant(g, acting_user=r.user),
    "second_approve": lambda g, r: actions.second_approve_grant(g, acting_user=r.user),
    "exclude": lambda g, r: actions.exclude_grant(g, r.POST.get("reason", ""), acting_user=r.user),
    "check": lambda g, r: actions.check_grant(g, r.POST.get("note", ""), acting_user=r.user),
    "resend": lambda g, r: actions.resend_link(g, acting_user=r.user),
    "confirm_on_behalf": lambda g, r: actions.confirm_on_behalf(
        g, r.POST.get("note", ""), acting_user=r.user
    ),
    "pay": lambda g, r: actions.pay_grant(g, r.POST.get("voucher", ""), acting_user=r.user),
}


@staff_view(*READERS, Role.FINANCE_CLERK)
def grant_detail(request, pk: int):
    grant = get_grant_for_user(request.user, pk, request)
    b = grant.beneficiary
    return render(
        request,
        "benefits/grant.html",
        _ctx(
            request,
            grant=grant,
            b=b,
            account=mask_account(b.bank_account if b else ""),
            can=allowed_actions(grant, request.user),
            events=grant.events.select_related("actor"),
            facts=_facts_table(grant),
            period=period_label(grant.period),
        ),
    )


def _facts_table(grant):
    """The data the decision used, shown as the trace shows them (元, %, 是/否)."""
    fields = FIELDS[grant.policy.target]
    rows = []
    for key, value in grant.candidate.facts.items():
        if key in fields:
            field = fields[key]
            if field.fmt in ("number", "money", "percent"):
                value = Decimal(value)
            rows.append((field.label, fmt(value, field.fmt).strip("“”")))
    return rows


@staff_view(*READERS, Role.FINANCE_CLERK)
@require_POST
def grant_action(request, pk: int, action: str):
    grant = get_grant_for_user(request.user, pk, request)
    if action not in ACTION_FORMS:
        raise Http404
    try:
        ACTION_FORMS[action](grant, request)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已完成。")
    return redirect("benefits_grant", pk=grant.pk)


@staff_view(Role.FINANCE_CLERK, Role.ADMIN)
def payments(request):
    qs = grants_for(request.user).filter(status=GrantStatus.TO_PAY).order_by("id")
    if request.method == "POST":
        return _bulk(request, qs)
    page = Paginator(qs.select_related("firm", "person"), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/payments.html",
        _ctx(
            request,
            page=page,
            rows=[(g, mask_account((g.firm or g.person).bank_account)) for g in page],
            paid=grants_for(request.user).filter(status=GrantStatus.PAID).order_by("-paid_at")[:20],
            can_pay=request.user.has_role(Role.FINANCE_CLERK),
        ),
    )


@staff_view(*READERS)
def data(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST":
        if not request.user.has_role(Role.POLICY_OFFICER):
            errors = ["只有惠企政策专员可以导入数据。"]
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = import_file(
                    form.cleaned_data["kind"],
                    upload.name,
                    upload.read(),
                    source=form.cleaned_data["source"],
                    acting_user=request.user,
                )
            except ImportRefused as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    f"已导入 {batch.rows} 行：新增 {batch.created}，更新 {batch.updated}。",
                )
                return redirect("benefits_data")
    return render(
        request,
        "benefits/data.html",
        _ctx(
            request,
            form=form,
            errors=errors,
            batches=ImportBatch.objects.select_related("imported_by")[:20],
            firms=Firm.objects.count(),
            persons=Person.objects.count(),
            firm_columns=FIRM_COLUMNS,
            firm_optional=FIRM_OPTIONAL,
            person_columns=PERSON_COLUMNS,
            person_optional=PERSON_OPTIONAL,
            kinds=ImportKind,
        ),
        status=400 if errors else 200,
    )


@staff_view(*FIGURE_READERS)
def stats_page(request):
    since, until = request_period(request)
    values = metrics.headline(since=since, until=until)
    return render(
        request,
        "benefits/stats.html",
        _ctx(
            request,
            period=stats_metrics.period_label(since, until),
            figures=[(m, values[m.key]) for m in metrics.METRICS],
            rows=metrics.by_policy(since=since, until=until),
            metrics=metrics.METRICS,
            query=request.GET.urlencode(),
        ),
    )


@staff_view(*FIGURE_READERS)
def export(request):
    since, until = request_period(request)
    qs = metrics.grant_queryset(since=since, until=until).select_related("policy")
    out = io.BytesIO()
    grants_workbook(qs, out, by_policy=metrics.by_policy(since=since, until=until))
    out.seek(0)
    audit("benefits.export", actor=request.user, detail=f"发放清单 {request.GET.urlencode()}")
    return FileResponse(out, as_attachment=True, filename="免申即享发放清单.xlsx")


# ---------------------------------------------------------------- the beneficiary's link


def mask_account(account: str) -> str:
    """Only the last four digits: "**** **** 1234"."""
    account = account or ""
    return f"**** **** {account[-4:]}" if len(account) >= 4 else "（未登记）"


@public_view
def confirm(request, token: str):
    """The SMS link: see the benefit, confirm the account on record, or decline."""
    grant = (
        Grant.objects.select_related("policy", "firm", "person")
        .filter(link_token=secret_digest(token[:64]))
        .first()
        if token
        else None
    )
    if grant is None:
        return render(request, "core/404.html", status=404)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("choice") == "confirm":
                actions.confirm_grant(grant)
            elif request.POST.get("choice") == "decline":
                actions.decline_grant(grant, request.POST.get("reason", ""))
            else:
                raise TransitionError("请选择“确认”或“放弃”。")
        except TransitionError as exc:
            error = str(exc)
        else:
            return redirect("benefit_confirm", token=token)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    b = grant.beneficiary
    return render(
        request,
        "benefits/confirm.html",
        {
            "grant": grant,
            "b": b,
            "account": mask_account(b.bank_account if b else ""),
            "period": period_label(grant.period),
            "error": error,
        },
        status=400 if error else 200,
    )
