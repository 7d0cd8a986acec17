"""Read paths for citizens: what a person who filed or proved their phone may see."""

from django.http import Http404

from mashang.directory.choices import UnitKind

from .models import Appeal, AppealEvent

SESSION_TRACKED = "tracked_appeals"
SESSION_PHONE = "track_phone_index"


def remember_tracked(session, appeal: Appeal) -> None:
    ids = set(session.get(SESSION_TRACKED, []))
    ids.add(appeal.pk)
    session[SESSION_TRACKED] = sorted(ids)[-50:]


def get_appeal_for_citizen(session, number: str) -> Appeal:
    """The appeal if this browser proved a right to it (query code, phone code, or filed it)."""
    appeal = Appeal.objects.select_related("division").filter(number=number).first()
    if appeal is None:
        raise Http404("没有找到这条诉求")
    allowed = appeal.pk in session.get(SESSION_TRACKED, [])
    phone_index = session.get(SESSION_PHONE)
    if phone_index and appeal.phone_index == phone_index:
        allowed = True
    if not allowed:
        raise Http404("没有找到这条诉求")
    return appeal


def public_timeline(appeal: Appeal):
    """Only events meant for the citizen: never internal notes or handlers' names."""
    return list(
        AppealEvent.objects.filter(appeal=appeal, is_public=True)
        .order_by("at", "id")
        .values("at", "public_text")
    )


def appeals_for_phone(phone_index: str):
    return (
        Appeal.objects.filter(phone_index=phone_index)
        .select_related("division")
        .order_by("-received_at")[:50]
    )


# ---- staff side -------------------------------------------------------------------------


def appeals_for(user):
    """Appeals this member of staff may see. Accusations: the discipline commission alone."""
    from django.db.models import Exists, OuterRef, Q

    from mashang.directory.choices import Role

    from .choices import AppealStatus
    from .models import Assignment

    qs = Appeal.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    roles = user.role_set
    if Role.DISCIPLINE in roles:
        return qs.accusations()  # a commission account holds no other role (Staff.clean)
    qs = qs.not_accusations()
    # County leaders oversee every appeal, read-only (no transition is theirs): the lists
    # behind the dashboards' figures; their own page shows what was addressed to them.
    if roles & {Role.DISPATCHER, Role.ADMIN, Role.SUPERVISOR, Role.COUNTY_LEADER}:
        return qs
    if roles & {Role.HANDLER, Role.UNIT_LEADER} and user.unit_id:
        current = Assignment.objects.filter(
            appeal=OuterRef("pk"), unit_id=user.unit_id, active=True
        )
        return qs.filter(Q(lead_unit_id=user.unit_id) | Exists(current)).exclude(
            status=AppealStatus.PENDING_DISPATCH
        )
    return qs.none()


def get_appeal_for_user(user, pk, *, request=None, for_update=False, related=()) -> Appeal:
    """The appeal or 404; every look at an accusation is written to the audit log.

    `related`: more relations to bring in the same query (the appeal page's place names)."""
    from django.http import Http404

    from mashang.core.audit import audit

    # Not the merged-into appeal, a whole second row for the few merged ones (read if shown).
    qs = appeals_for(user).select_related(
        "division", "lead_unit", "placement", "addressee_unit", *related
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    # No ORDER BY for one primary key: first() would order by the model's ordering, and
    # compiling that over the joins was a third of this query's time (bench/load_profile.py).
    appeal = next(iter(qs.filter(pk=pk).order_by()[:1]), None)
    if appeal is None:
        raise Http404("没有找到这条诉求，或您无权查看")
    # Reporters' data is personal: every look at an appeal is audited, accusations apart.
    audit(
        "accusation_viewed" if appeal.is_accusation else "appeal_viewed",
        actor=user,
        obj=appeal,
        request=request,
    )
    return appeal


def accusation_count(*, township: str = "", kind: str = "") -> int:
    """What everyone outside the commission may know about accusations: how many (in the
    township and of the QR kind a list is filtered to, like the list beside it)."""
    qs = Appeal.objects.accusations()
    if township.isdigit():
        qs = qs.filter(division__path__contains=f"/{township}/")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.count()


def township_names(appeals, towns=None) -> dict[str, str]:
    """Township name per appeal id, from the division paths and the cached townships
    (`towns`: the rows of `directory.queries.townships()` when the page has them)."""
    from mashang.directory.queries import townships

    def township_code(path: str) -> str | None:
        parts = [p for p in path.split("/") if p]
        return parts[3] if len(parts) > 3 else None  # province/city/county/township

    codes = {a.pk: township_code(a.division.path) for a in appeals}
    names = {code: name for code, name, _level in towns or townships()}
    return {pk: names.get(code, "") for pk, code in codes.items()}


DISPATCH_KINDS = [
    UnitKind.DEPARTMENT,
    UnitKind.TOWNSHIP,
    UnitKind.SERVICE_CENTRE,
    UnitKind.LEADER_OFFICE,
]


def dispatch_units() -> list[tuple[int, str, str, str]]:
    """The units the desk may dispatch to, as the form lists them: (pk, name, kind, division
    code), active ones in their sort order."""
    from mashang.directory.models import Unit

    return list(
        Unit.objects.filter(kind__in=DISPATCH_KINDS, is_active=True)
        .order_by("sort_order", "id")
        .values_list("pk", "name", "kind", "division__code")
    )


def suggest_units(appeal, units=None):
    """The desk's first guess: the code's addressee (a bureau, a township), else the township
    government of the place the appeal comes from (the first active one in sort order).

    `units`: the rows of `dispatch_units()` when the page has them already (no query)."""
    from types import SimpleNamespace

    from mashang.directory.choices import UnitKind
    from mashang.directory.models import Unit
    from mashang.qrcodes.choices import QRKind

    suggestions = []
    if appeal.kind in (QRKind.BUREAU, QRKind.TOWNSHIP) and appeal.addressee_unit_id:
        reason = "二维码受理对象" if appeal.kind == QRKind.BUREAU else "所在乡镇（二维码受理对象）"
        suggestions.append((appeal.addressee_unit, reason))
    parts = [p for p in appeal.division.path.split("/") if p]
    if len(parts) > 3:
        if units is None:
            gov = Unit.objects.filter(
                kind=UnitKind.TOWNSHIP, division__code=parts[3], is_active=True
            ).first()
        else:
            gov = next(
                (
                    SimpleNamespace(pk=pk, name=name)
                    for pk, name, kind, code in units
                    if kind == UnitKind.TOWNSHIP and code == parts[3]
                ),
                None,
            )
        if gov and all(gov.pk != u.pk for u, _ in suggestions):
            suggestions.append((gov, "诉求所在乡镇"))
    return suggestions


def duplicate_candidates(appeal, *, days: int = 30, limit: int = 5):
    """Possible repeats: the same phone (blind index), or similar text in the same township,
    within `days`. Similarity is difflib's ratio over at most 200 recent appeals.

    The repeats come with what the appeal page lists (number, status, a merged one's original),
    other fields on
    access: whole rows, three encrypted fields each, were a third of this function's time."""
    from datetime import timedelta
    from difflib import SequenceMatcher

    since = appeal.received_at - timedelta(days=days)
    base = (
        Appeal.objects.not_accusations()
        .exclude(pk=appeal.pk)
        .filter(received_at__gte=since)
        .select_related("merged_into")
    )
    # The status, and for a merged one its original: only the first of a matter is offered.
    shown = ("number", "status", "merged_into__number")
    found: dict[int, tuple[Appeal, str]] = {}
    if appeal.phone_index:
        for other in base.filter(phone_index=appeal.phone_index).only(*shown)[:limit]:
            found[other.pk] = (other, "同一手机号")
    parts = [p for p in appeal.division.path.split("/") if p]
    if len(parts) > 3 and len(found) < limit:
        prefix = "/" + "/".join(parts[:4]) + "/"
        # Only the text is compared (bench/load.py: the appeal page spent half its time here
        # decrypting 200 whole rows).
        texts = (
            base.filter(division__path__startswith=prefix)
            .order_by("-received_at")
            .values_list("pk", "content")[:200]
        )
        similar: dict[int, float] = {}
        matcher = SequenceMatcher(None, appeal.content)
        for pk, content in texts:
            if pk in found:
                continue
            matcher.set_seq2(content)
            # Upper bounds of ratio() first, from lengths and letter counts: the same matches
            # for a fraction of the time.
            if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.5:
                similar[pk] = ratio
                if len(found) + len(similar) >= limit:
                    break
        rows = base.only(*shown).in_bulk(list(similar))
        for pk, ratio in similar.items():
            found[pk] = (rows[pk], f"同乡镇内容相似 {ratio:.0%}")
    return list(found.values())[:limit]
