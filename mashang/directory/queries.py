from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q

from .choices import DivisionLevel
from .models import Division, Unit

TOWNSHIPS_KEY = "directory:townships:1"
# Deleted whenever a division changes (signals.py); the timeout only bounds what a change made
# while Redis was unreachable (a dropped delete) could leave behind.
TOWNSHIPS_TIMEOUT = 600


def townships() -> list[tuple[str, str, str]]:
    """The divisions at township depth as (code, name, level), by code: the lists' township
    filter and their rows' township column, from the cache until a division changes."""
    rows = cache.get(TOWNSHIPS_KEY)
    if rows is None:
        rows = list(
            Division.objects.filter(Q(level=DivisionLevel.TOWNSHIP) | Q(depth=3))
            .order_by("code")
            .values_list("code", "name", "level")
        )
        cache.set(TOWNSHIPS_KEY, rows, TOWNSHIPS_TIMEOUT)
    return rows


def forget_townships() -> None:
    """Now, and again at commit: a list read by another process in between is not kept."""
    cache.delete(TOWNSHIPS_KEY)
    transaction.on_commit(lambda: cache.delete(TOWNSHIPS_KEY))


def county_root() -> Division | None:
    return Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code").first()


def children_with_counts(division: Division):
    """Children of a division, each with the number of villages and hamlets below it.

    One query for the children and one per counted level, whatever the size of the tree.
    """
    children = list(division.children.order_by("code"))
    if not children:
        return []
    levels = [DivisionLevel.VILLAGE, DivisionLevel.HAMLET]
    counts = {c.pk: dict.fromkeys(levels, 0) for c in children}
    by_prefix = {c.path: c.pk for c in children}
    depth = children[0].depth
    rows = (
        Division.objects.filter(path__startswith=division.path, level__in=levels)
        .values("path", "level")
        .order_by()
    )
    # Group by the child's path prefix in Python: portable across SQLite and PostgreSQL.
    for row in rows.iterator(chunk_size=2000):
        parts = row["path"].split("/")
        prefix = "/".join(parts[: depth + 2]) + "/"
        pk = by_prefix.get(prefix)
        if pk is not None:
            counts[pk][row["level"]] += 1
    for child in children:
        child.village_count = counts[child.pk][DivisionLevel.VILLAGE]
        child.hamlet_count = counts[child.pk][DivisionLevel.HAMLET]
    return children


def units_with_positions(kind: str | None = None):
    qs = Unit.objects.select_related("division").prefetch_related("positions__holder")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(staff_count=Count("staff", filter=Q(staff__is_active=True)))
