"""Staff pages: the dispatch desk, unit workbench, discipline queue, callbacks, leaders' view,
and one detail page whose action forms post to `appeal_action`."""

from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from mashang.core.access import may_open, staff_view
from mashang.core.dates import short_when
from mashang.core.nav import nav_for
from mashang.core.ratelimit import RateLimited
from mashang.deadlines.actions import answer_order, issue_order
from mashang.deadlines.templatetags.deadlines import due_badge
from mashang.directory.choices import DivisionLevel, Role
from mashang.directory.models import Unit
from mashang.directory.queries import townships
from mashang.qrcodes.choices import QRKind

from . import actions
from .choices import MAX_PHOTOS, AppealStatus, AppealType, ExtensionStatus, Rating
from .forms import AppealFilter
from .models import ACCUSATION_STATUSES, AppealEvent, ExtensionRequest
from .photos import PhotoError, accept_images
from .queries import (
    accusation_count,
    appeals_for,
    dispatch_units,
    duplicate_candidates,
    get_appeal_for_user,
    suggest_units,
    township_names,
)
from .workflow import TRANSITIONS, TransitionError, allowed_actions, authorize, merge_refusal

PAGE_SIZE = 50
# The appeal page's place names (Appeal.place_text): a hamlet's village, township and county.
PLACE_PARENTS = "division__parent__parent__parent"


def _filter_choices(user) -> tuple[list, list]:
    """The statuses and types a person can ever see: accusations only for the commission,
    and nothing of them for anyone else (a filter that cannot match is not offered)."""
    accusation = user.has_role(Role.DISCIPLINE)
    statuses = [
        (v, label) for v, label in AppealStatus.choices if (v in ACCUSATION_STATUSES) == accusation
    ]
    types = [
        (v, label) for v, label in AppealType.choices if (v == AppealType.ACCUSATION) == accusation
    ]
    return statuses, types


def _filter(request, qs, *, tell: bool = True, statuses=None):
    """The list filters of the request over `qs`. `statuses`: the ones this list offers (by
    default every status the person sees); another matches nothing, never everything."""
    f = AppealFilter.valid(request, tell=tell)  # bounded values only
    offered, types = _filter_choices(request.user)
    if f.get("status") and f["status"] not in dict(statuses or offered):
        return qs.none()
    if f.get("type") and f["type"] not in dict(types):
        return qs.none()
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("kind") in QRKind.values:
        qs = qs.filter(kind=f["kind"])
    if f.get("type"):
        qs = qs.filter(type=f["type"])
    if f.get("township", "").isdigit():
        qs = qs.filter(division__path__contains=f"/{f['township']}/")
    if f.get("waiting", "").isdigit():
        qs = qs.filter(received_at__lte=timezone.now() - timedelta(hours=int(f["waiting"])))
    return qs


# What a list row shows (list_rows and due_badge): the rest of a row, fifty-odd columns with
# encrypted fields decrypted on load, was a third of the desk's time.
LIST_FIELDS = (
    "number",
    "received_at",
    "type",
    "kind",
    "status",
    "needs_review",
    "waiting_citizen",
    "due_at",
    "warn_at",
    "due_key",
    "paused_at",
    "due_started_at",
    "division__name",
    "division__path",
    "lead_unit__name",
)
LIST_ROW = (
    '<tr><td><a href="{}">{}</a></td><td>{}</td>\n  <td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
    "\n  <td>{}</td>\n  <td>{}</td><td>{}</td></tr>"
)
# What the lists' box of extension requests shows (staff_list.html).
EXTENSION_FIELDS = (
    "new_due",
    "reason",
    "endorse_note",
    "appeal__number",
    "appeal__lead_unit__name",
)
TYPE_LABELS = dict(AppealType.choices)
KIND_LABELS = dict(QRKind.choices)
STATUS_LABELS = dict(AppealStatus.choices)


def list_rows(appeals, now, towns=None) -> list[str]:
    """A list page's table rows, each rendered once here: fifty rows of template variables,
    filters and tags were most of a list page's time (bench/load_profile.py desk)."""
    appeals = list(appeals)
    towns = township_names(appeals, towns)
    detail = reverse("appeal_detail", args=[987654321]).replace("987654321", "{}")
    rows = []
    for a in appeals:
        status = STATUS_LABELS.get(a.status, a.status)
        if a.needs_review:
            status += " · 差评"
        if a.waiting_citizen:
            status += " · 待群众回复"
        rows.append(
            format_html(
                LIST_ROW,
                detail.format(a.pk),
                a.number,
                short_when(a.received_at, now=now),
                TYPE_LABELS.get(a.type, a.type),
                KIND_LABELS.get(a.kind, a.kind) or "—",
                towns.get(a.pk, ""),
                a.division.name,
                status,
                a.lead_unit.name if a.lead_unit_id else "—",
                due_badge(a, now),
            )
        )
    return rows


WAITING = [("1", "1小时"), ("24", "1天"), ("72", "3天")]


class Listing(NamedTuple):
    """One staff list as its page and its Excel export both show it: the appeals (permissions,
    page and tab, the request's filters, the order), the title, tabs, and the statuses its
    状态 filter offers (None: every status the person sees)."""

    appeals: QuerySet
    title: str
    tabs: tuple = ()
    tab: str = ""
    statuses: list | None = None
    # The export's link for this list (`list=<name>`, or the figure list's own query).
    export: str = ""


def _listing(request, qs, *, title, tabs=(), tab="", statuses=None, order="received_at", tell=True):
    choices = None
    if statuses is not None:
        choices = [(s, STATUS_LABELS[s]) for s in statuses]
    appeals = _filter(request, qs, tell=tell, statuses=choices).order_by(order, "id")
    return Listing(appeals, title, tuple(tabs), tab, choices)


def _desk_list(request, tell=True):
    qs = appeals_for(request.user)
    status = AppealFilter.valid(request, tell=False).get("status")
    if not status:
        qs = qs.filter(status=AppealStatus.PENDING_DISPATCH)  # the desk's default view
    shown = STATUS_LABELS[status] if status else "待分拨"
    return _listing(request, qs, title=f"分拨中心 · {shown}诉求", tell=tell)


# What a unit's appeal can be in: it is the unit's from dispatch on, and a return sends it
# back to the desk (invalid and merged appeals were never dispatched).
UNIT_STATUSES = [
    AppealStatus.DISPATCHED,
    AppealStatus.ACCEPTED,
    AppealStatus.COMPLETED,
    AppealStatus.CLOSED,
]
WORK_TABS = [
    ("incoming", "待受理", [AppealStatus.DISPATCHED]),
    ("doing", "办理中", [AppealStatus.ACCEPTED]),
    ("done", "已办结", [AppealStatus.COMPLETED, AppealStatus.CLOSED]),
    ("all", "全部", UNIT_STATUSES),
]


def _work_list(request, tell=True):
    """The unit's appeals in a tab. Its 状态 filter offers the tab's statuses only; a status
    of another tab asked for (a link, an edited address) opens 全部 with that status, never
    an empty tab."""
    tabs = {key: statuses for key, _label, statuses in WORK_TABS}
    tab = request.GET.get("tab", "incoming")
    if tab not in tabs:
        tab = "incoming"
    status = AppealFilter.valid(request, tell=False).get("status")
    if status and status not in tabs[tab]:
        tab = "all"
    qs = appeals_for(request.user)
    if tab != "all":
        qs = qs.filter(status__in=tabs[tab])
    return _listing(
        request,
        qs,
        title=f"{request.user.unit.name} · 工作台",
        tabs=[(k, label) for k, label, _s in WORK_TABS],
        tab=tab,
        statuses=tabs[tab],
        tell=tell,
    )


CALLBACK_TABS = [
    ("todo", "待回访"),
    ("review", "群众差评待处理"),
    ("bad", "实名差评待联系"),
    ("closed", "已回访"),
]


def _callback_list(request, tell=True):
    tab = request.GET.get("tab", "todo")
    qs = appeals_for(request.user)
    statuses = None  # 差评 tabs: any status
    if tab == "review":
        qs = qs.filter(needs_review=True)
    elif tab == "bad":
        qs = qs.filter(bad_rating_at__isnull=False, bad_rating_contacted_at__isnull=True)
    elif tab == "closed":
        qs, statuses = qs.filter(status=AppealStatus.CLOSED), [AppealStatus.CLOSED]
    else:
        tab = "todo"
        qs = qs.filter(status=AppealStatus.COMPLETED, needs_review=False)
        statuses = [AppealStatus.COMPLETED]
    return _listing(
        request,
        qs,
        title="效能督查 · 回访",
        tabs=CALLBACK_TABS,
        tab=tab,
        statuses=statuses,
        tell=tell,
    )


def _leader_list(request, tell=True):
    mine = appeals_for(request.user).filter(addressee_unit_id=request.user.unit_id)
    return _listing(request, mine, title="县领导 · 码上找我的诉求", order="-received_at", tell=tell)


DISCIPLINE_TABS = [("new", "待受理"), ("handling", "处置中"), ("done", "已办结")]


def _discipline_list(request, tell=True):
    statuses = {
        "new": AppealStatus.ACCUSATION_NEW,
        "handling": AppealStatus.DISCIPLINE_HANDLING,
        "done": AppealStatus.DISCIPLINE_DONE,
    }
    tab = request.GET.get("tab", "new")
    if tab not in statuses:
        tab = "new"
    status = statuses[tab]
    qs = appeals_for(request.user).filter(status=status)
    return _listing(
        request, qs, title="县纪委监委 · 检举控告", tabs=DISCIPLINE_TABS, tab=tab, tell=tell
    )


# Every staff list by the name its export link carries (`list=`), with its page (whose
# roles may open it) and how it is built.
LISTS = {
    "desk": ("desk", _desk_list),
    "work": ("workbench", _work_list),
    "callbacks": ("callbacks", _callback_list),
    "leader": ("leader_view", _leader_list),
    "discipline": ("discipline_queue", _discipline_list),
}


def staff_listing(request, name: str, *, tell: bool = True) -> Listing:
    """The list `name` for this request: the same rows for its page and its export. Only for
    those who may open the list's page (and its rows are theirs: appeals_for)."""
    if name not in LISTS:
        raise Http404("没有这个清单")
    url_name, build = LISTS[name]
    if not may_open(request.user, url_name):
        raise PermissionDenied("您的角色无权访问此清单。")
    listing = build(request, tell=tell)
    query = request.GET.copy()
    query.pop("page", None)
    query["list"] = name
    if listing.tab:
        query["tab"] = listing.tab
    return listing._replace(export=reverse("stats_export") + "?" + query.urlencode())


def _options(choices, current) -> str:
    """`<option>`s of a filter, the one asked for selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, " selected" if v == current else "", label) for v, label in choices),
    )


def _list(request, listing: Listing, *, extra=None):
    qs = listing.appeals.select_related("division", "lead_unit")
    page = Paginator(qs.only(*LIST_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    statuses, types = _filter_choices(request.user)
    if listing.statuses is not None:
        statuses = listing.statuses
    divisions = townships()
    towns = [(code, name) for code, name, level in divisions if level == DivisionLevel.TOWNSHIP]
    context = {
        "nav": nav_for(request.user),
        "title": listing.title,
        "page": page,
        "rows": list_rows(page.object_list, now, divisions),
        "tabs": listing.tabs,
        "tab": listing.tab,
        "query": query.urlencode(),
        "export_url": listing.export,
        # The filter form's options, each list rendered here rather than in template loops;
        # no 状态 filter where the tab holds one status.
        "status_options": _options(statuses, request.GET.get("status"))
        if len(statuses) > 1
        else "",
        "kind_options": _options(QRKind.choices, request.GET.get("kind")),
        "type_options": _options(types, request.GET.get("type")) if len(types) > 1 else "",
        "township_options": _options(towns, request.GET.get("township")),
        "waiting_options": _options(WAITING, request.GET.get("waiting")),
        # Outside the commission, only the desk and supervision know how many there are.
        "accusations": accusation_count(
            township=request.GET.get("township", ""),
            kind=request.GET["kind"] if request.GET.get("kind") in QRKind.values else "",
        )
        if request.user.has_role(Role.DISPATCHER, Role.ADMIN, Role.SUPERVISOR)
        else None,
    }
    context.update(extra or {})
    return render(request, "appeals/staff_list.html", context)


@staff_view(Role.DISPATCHER, Role.ADMIN)
def desk(request):
    """分拨中心: everything waiting for a unit, oldest first; extension requests to decide."""
    pending = (
        ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING)
        .select_related("appeal", "appeal__lead_unit")
        .only(*EXTENSION_FIELDS)
        .order_by("requested_at")
    )
    return _list(
        request,
        staff_listing(request, "desk"),
        extra={"extensions": pending, "calendar_warning": True},
    )


@staff_view(Role.HANDLER, Role.UNIT_LEADER)
def workbench(request):
    """The unit's own appeals: incoming, in progress, finished."""
    extra = {}
    if request.user.has_role(Role.UNIT_LEADER):
        extra["extensions"] = (
            ExtensionRequest.objects.filter(
                status=ExtensionStatus.LEADER, appeal__lead_unit_id=request.user.unit_id
            )
            .select_related("appeal", "appeal__lead_unit")
            .only(*EXTENSION_FIELDS)
            .order_by("requested_at")
        )
    return _list(request, staff_listing(request, "work"), extra=extra)


@staff_view(Role.DISCIPLINE)
def discipline_queue(request):
    """县纪委监委: accusations only, and only here."""
    return _list(request, staff_listing(request, "discipline"))


@staff_view(Role.SUPERVISOR, Role.ADMIN)
def callbacks(request):
    """效能督查: completed appeals to call back, citizens' bad ratings, real-name 差评 to call."""
    return _list(request, staff_listing(request, "callbacks"))


@staff_view(Role.COUNTY_LEADER)
def leader_view(request):
    """A county leader's office: what was filed to them, read-only, with its status."""
    return _list(request, staff_listing(request, "leader"))


@staff_view()
def appeal_detail(request, pk: int):
    user = request.user
    appeal = get_appeal_for_user(user, pk, request=request, related=[PLACE_PARENTS])
    placement = appeal.placement
    if placement and placement.addressee_unit_id == appeal.addressee_unit_id:
        # The code's addressee is the appeal's (copied at intake): its label needs no query.
        placement.addressee_unit = appeal.addressee_unit
    extensions = list(
        appeal.extensions.select_related("requested_by", "endorsed_by").order_by("id")
    )
    can = set(allowed_actions(appeal, user, extensions=extensions))
    if (
        user.has_role(Role.SUPERVISOR, Role.ADMIN)
        and appeal.bad_rating_at
        and not appeal.bad_rating_contacted_at
    ):
        can.add("bad_rating_contact")
    orders = list(appeal.supervision_orders.select_related("unit", "issued_by"))
    if (
        user.has_role(Role.SUPERVISOR, Role.ADMIN)
        and appeal.lead_unit_id
        and not appeal.is_accusation
    ):
        can.add("order")
    if any(o.status == "open" and o.unit_id == user.unit_id for o in orders) and user.has_role(
        Role.HANDLER,
        Role.UNIT_LEADER,
    ):
        can.add("answer_order")
    events = AppealEvent.objects.filter(appeal=appeal).select_related("actor").order_by("at", "id")
    context = {
        "nav": nav_for(user),
        "appeal": appeal,
        "can": can,
        "events": events,
        "photos": list(appeal.photos.all()),
        # Shown beside the lead unit: none to show (and to read) before a dispatch.
        "assignments": list(appeal.assignments.filter(active=True).select_related("unit"))
        if appeal.lead_unit_id
        else [],
        "extensions": extensions,
        "orders": orders,
        "ratings": Rating.choices,
        "reporter_visible": user.has_role(
            Role.DISPATCHER,
            Role.ADMIN,
            Role.HANDLER,
            Role.UNIT_LEADER,
            Role.SUPERVISOR,
            Role.DISCIPLINE,
        ),
    }
    if "dispatch" in can:
        units = dispatch_units()
        context["suggestions"] = suggest_units(appeal, units)
        context.update(_unit_pickers(units, context["suggestions"]))
    if "merge" in can or "dispatch" in can:
        # A merged or invalid repeat is listed (with its original) but offers no merge.
        context["duplicates"] = [
            (d, why, "merge" in can and merge_refusal(appeal, d) is None)
            for d, why in duplicate_candidates(appeal)
        ]
    return render(request, "appeals/staff_detail.html", context)


def _unit_pickers(units, suggestions) -> dict:
    """The dispatch form's lead-unit options and co-unit checkboxes, built here: two template
    loops over every unit of the county were a third of the appeal page's template time."""
    first = suggestions[0][0].pk if suggestions else None
    return {
        "unit_options": format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((pk, " selected" if pk == first else "", name) for pk, name, _k, _d in units),
        ),
        "unit_checkboxes": format_html_join(
            "",
            '<label><input type="checkbox" name="co_units" value="{}"> {}</label>',
            ((pk, name) for pk, name, _k, _d in units),
        ),
    }


def _due(value: str):
    try:
        naive = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


def _photos(request):
    uploads = request.FILES.getlist("photos")
    if not uploads:
        return []
    return accept_images(
        uploads,
        limits=[(f"upload:staff:{request.user.pk}", 60, 3600)],
        limit_message="上传照片太频繁了，请稍后再试。",
        max_count=MAX_PHOTOS,
    )


def _run(name, appeal, request):
    """Call the action function for `name` with the posted fields."""
    p, user = request.POST, request.user
    if name == "dispatch":
        lead = Unit.objects.filter(pk=p.get("lead_unit") or 0).first()
        if lead is None:
            raise TransitionError("请选择主办单位。")
        co = list(Unit.objects.filter(pk__in=[v for v in p.getlist("co_units") if v.isdigit()]))
        actions.dispatch_appeal(
            appeal,
            lead,
            co_units=co,
            note=p.get("note", ""),
            urgency=p.get("urgency", "normal"),
            acting_user=user,
        )
    elif name == "accept":
        actions.accept_appeal(appeal, acting_user=user)
    elif name == "return":
        actions.return_appeal(appeal, p.get("reason", ""), acting_user=user)
    elif name == "request_extension":
        actions.request_extension(
            appeal, p.get("reason", ""), _due(p.get("new_due")), acting_user=user
        )
    elif name in ("endorse_extension", "decide_extension"):
        ext = appeal.extensions.filter(pk=p.get("extension") or 0).first()
        if ext is None:
            raise TransitionError("没有找到这份延期申请。")
        fn = actions.endorse_extension if name == "endorse_extension" else actions.decide_extension
        fn(ext, p.get("decision") == "approve", note=p.get("note", ""), acting_user=user)
    elif name == "ask_citizen":
        actions.ask_citizen(appeal, p.get("question", ""), acting_user=user)
    elif name == "reply":
        actions.reply_appeal(appeal, p.get("result", ""), photos=_photos(request), acting_user=user)
    elif name == "callback":
        actions.record_callback(
            appeal,
            p.get("rating", ""),
            actions.yes_no(p.get("solved")),
            rehandle=p.get("rehandle") == "1",
            note=p.get("note", ""),
            acting_user=user,
        )
    elif name == "rehandle":
        actions.rehandle_appeal(appeal, note=p.get("note", ""), acting_user=user)
    elif name == "bad_rating_contact":
        actions.record_bad_rating_contact(appeal, p.get("note", ""), acting_user=user)
    elif name == "invalidate":
        actions.invalidate_appeal(appeal, p.get("reason", ""), acting_user=user)
    elif name == "merge":
        actions.merge_appeal(appeal, _merge_original(appeal, request), acting_user=user)
    elif name == "accept_accusation":
        actions.accept_accusation(appeal, acting_user=user)
    elif name == "conclude_accusation":
        actions.conclude_accusation(appeal, p.get("feedback", ""), acting_user=user)
    elif name == "order":
        issue_order(appeal, p.get("reason", ""), due_at=_due(p.get("due_at")), acting_user=user)
    elif name == "answer_order":
        order = appeal.supervision_orders.filter(pk=p.get("order") or 0).first()
        if order is None:
            raise TransitionError("没有找到这张督办单。")
        answer_order(order, p.get("answer", ""), acting_user=user)
    elif name == "note":
        actions.add_note(appeal, p.get("text", ""), acting_user=user)
    else:
        raise Http404("没有这个操作")


def _merge_original(appeal, request):
    """The posted original, if this person may merge the appeal into it (else TransitionError);
    missing and invisible look the same."""
    original = appeals_for(request.user).filter(number=request.POST.get("original", "").strip())
    original = original.select_related("lead_unit").first()
    authorize(appeal, "merge", request.user)
    refusal = merge_refusal(appeal, original)
    if refusal:
        raise TransitionError(refusal)
    return original


def _confirm_merge(request, appeal):
    """A merge cannot be undone: the first POST shows both appeals and asks once (no script)."""
    try:
        original = _merge_original(appeal, request)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("appeal_detail", pk=appeal.pk)
    context = {"nav": nav_for(request.user), "appeal": appeal, "original": original}
    return render(request, "appeals/merge_confirm.html", context)


EXTRA_ACTIONS = {"bad_rating_contact": "登记差评联系", "order": "督办", "answer_order": "答复督办"}
ACTION_NAMES = set(TRANSITIONS) | set(EXTRA_ACTIONS)


@staff_view()
@require_POST
def appeal_action(request, pk: int, action: str):
    if action not in ACTION_NAMES:
        raise Http404("没有这个操作")
    appeal = get_appeal_for_user(request.user, pk, request=request)
    if action == "merge" and request.POST.get("confirm") != "1":
        return _confirm_merge(request, appeal)
    try:
        _run(action, appeal, request)
    except (TransitionError, PhotoError) as exc:
        messages.error(request, str(exc))
    except RateLimited as exc:
        messages.error(request, exc.message)
    else:
        label = EXTRA_ACTIONS.get(action) or TRANSITIONS[action].label
        messages.success(request, f"已{label}。")
    return redirect("appeal_detail", pk=appeal.pk)


@staff_view()
def appeal_photo(request, pk: int, photo: int):
    """Photos are never public files: each one is served after the appeal is authorised."""
    appeal = get_appeal_for_user(request.user, pk, request=request)
    item = appeal.photos.filter(pk=photo).first()
    if item is None:
        raise Http404("没有这张照片")
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")
