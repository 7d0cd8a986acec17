"""Scale: the same pages and the sweep at two sizes (a county's 1,000,000 appeals and a
province's decade of 10,000,000), back to back in one run, and the ratio large / small.

    .venv/bin/python bench/bench_scale.py --appeals 1000000 10000000

The goal (issue 15, §4): at 10,000,000 each figure stays within 2 × its 1,000,000 figure.
Measured, each a median of several runs with its query count:
- the dispatcher's desk list: the first page (待分拨, oldest first) and a filtered page
  (办理中 in one township, page 2);
- an appeal page (staff detail with its timeline): a closed appeal, and one waiting at the desk
  (dispatch form: suggested units and possible duplicates);
- the statistics overview as a county leader: the default period (截至昨日) and one year;
- one deadline sweep pass (`mashang.deadlines.sweep.run_sweep`) with the same 1,000 appeals
  turning yellow and red at both sizes (cost should follow what is due, not the table).

Data: `manage.py benchdata` writes `--generate` appeals with their timelines through the ORM;
the rest are SQL copies (appeals and their events, with shifted times and their own ids). Up to
the first size the copies sit in the same two years (as bench_stats.py); growing to the second
size spreads them over ten years (five two-year windows, the same density in each), so the
last two years hold twice a county's appeals and eight older years hold the rest. Deadlines
already past in a copy count as already swept (warned_at/overdue_at set), as a running system
would have them. Assignments and callbacks are not copied (no measured page reads them in bulk).

Creates the database `h36_scale` (or --database) and drops it at the end unless --keep. The
machine is shared: /proc/loadavg is printed beside every figure.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SHIFTED = (
    "received_at",
    "updated_at",
    "dispatched_at",
    "accepted_at",
    "completed_at",
    "closed_at",
    "extended_until",
    "dispatch_due_at",
    "ack_due_at",
    "complete_due_at",
    "due_started_at",
    "due_at",
    "warn_at",
    "warned_at",
    "overdue_at",
    "paused_at",
    "rated_at",
    "bad_rating_at",
    "bad_rating_contacted_at",
    "bad_rating_due_at",
    "bad_rating_overdue_at",
)
SWEEP_DUE = 1000
RUNS = 5


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def settle() -> None:
    """Deadlines already past count as swept, as a running system would have them."""
    sql(
        "UPDATE appeals_appeal SET "
        "warned_at = CASE WHEN warned_at IS NULL AND warn_at <= now() THEN warn_at "
        "ELSE warned_at END, "
        "overdue_at = CASE WHEN overdue_at IS NULL AND due_at <= now() THEN due_at "
        "ELSE overdue_at END, "
        "bad_rating_overdue_at = CASE WHEN bad_rating_overdue_at IS NULL "
        "AND bad_rating_contacted_at IS NULL AND bad_rating_due_at <= now() "
        "THEN bad_rating_due_at ELSE bad_rating_overdue_at END "
        "WHERE (warned_at IS NULL AND warn_at <= now()) "
        "OR (overdue_at IS NULL AND due_at <= now()) "
        "OR (bad_rating_overdue_at IS NULL AND bad_rating_contacted_at IS NULL "
        "AND bad_rating_due_at <= now())"
    )


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return digits[n // 36 % 36] + digits[n % 36]


def copy(n: int, window: int, stride: int) -> None:
    """Copy n of the generated appeals (ids + n × stride) and their events, `window` two-year
    windows and 7 × n hours earlier; deadlines that fall in the past count as swept."""
    from mashang.appeals.models import Appeal

    shift = f"interval '{window * 730} days {7 * n} hours'"
    columns, exprs = [], []
    for f in Appeal._meta.concrete_fields:
        columns.append(f'"{f.column}"')
        if f.primary_key:
            exprs.append(f"id + {n * stride}")
        elif f.name == "number":
            # 'C' and two base-36 digits: the longest generated number (21) still fits 24.
            exprs.append(f"'C{_base36(n)}' || number")
        elif f.name == "submission_token":
            exprs.append("NULL")
        elif f.name == "merged_into":
            exprs.append(f"merged_into_id + {n * stride}")
        elif f.name in ("warned_at", "overdue_at", "bad_rating_overdue_at"):
            source = {
                "warned_at": "warn_at",
                "overdue_at": "due_at",
                "bad_rating_overdue_at": "bad_rating_due_at",
            }[f.name]
            extra = " AND bad_rating_contacted_at IS NULL" if f.name.startswith("bad") else ""
            exprs.append(
                f"CASE WHEN {f.column} IS NULL AND {source} - {shift} <= now(){extra} "
                f"THEN {source} - {shift} ELSE {f.column} - {shift} END"
            )
        elif f.name in SHIFTED:
            exprs.append(f'"{f.column}" - {shift}')
        else:
            exprs.append(f'"{f.column}"')
    sql(
        f"INSERT INTO appeals_appeal ({', '.join(columns)}) SELECT {', '.join(exprs)} "
        f"FROM appeals_appeal WHERE id <= {stride} ORDER BY id"
    )
    sql(
        "INSERT INTO appeals_appealevent (appeal_id, at, actor_id, kind, old_status, "
        "new_status, note, is_public, public_text) "
        f"SELECT appeal_id + {n * stride}, at - {shift}, actor_id, kind, old_status, "
        "new_status, note, is_public, public_text FROM appeals_appealevent "
        f"WHERE appeal_id <= {stride} ORDER BY appeal_id, id"
    )


def grow(
    target: int, base: int, stride: int, windows_of: int, start: int, jobs: int = 2, redo=()
) -> int:
    """Copies `start`… until `target` appeals (and the copies in `redo`), `jobs` at a time,
    each on its own connection; returns the next copy number."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from mashang.core.progress import progress

    copies = target // base
    todo = sorted(set(redo) | set(range(start, copies)))
    bar = progress(total=len(todo), desc=f"复制至 {target:,} 件", unit="份")

    def one(n):
        try:
            copy(n, window=n * 5 // windows_of, stride=stride)
        finally:
            connection.close()  # this thread's connection
        bar.update(1)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, todo))
    bar.close()
    sql(
        "SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), "
        "(SELECT max(id) FROM appeals_appeal))"
    )
    return copies


def missing_copies(stride: int) -> set[int]:
    """After an interrupted run: copies whose appeals or events are not all there (a copy's
    appeals written without its events are removed, to be copied again)."""
    appeals = {n for (n,) in sql(f"SELECT DISTINCT (id - 1) / {stride} FROM appeals_appeal")}
    events = {
        n for (n,) in sql(f"SELECT DISTINCT (appeal_id - 1) / {stride} FROM appeals_appealevent")
    }
    for n in appeals - events:
        sql(f"DELETE FROM appeals_appeal WHERE id > {n * stride} AND id <= {(n + 1) * stride}")
    return set(range(1, max(appeals) + 1)) - (appeals & events)


def timed(fn, runs: int = RUNS):
    """(median seconds, queries of the last run, slowest query of the last run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm the caches once, as a page that is opened all day
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            fn()
        timings.append(time.perf_counter() - start)
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
    return statistics.median(timings), len(ctx.captured_queries), slowest


def measure(size: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from mashang.appeals.models import Appeal
    from mashang.deadlines.sweep import run_sweep
    from mashang.directory.models import Division, Staff
    from mashang.stats import facts
    from mashang.stats.models import FactsState

    t0 = time.perf_counter()
    sql("VACUUM ANALYZE appeals_appeal")
    sql("VACUUM ANALYZE appeals_appealevent")
    print(f"  VACUUM ANALYZE {time.perf_counter() - t0:.0f} s", flush=True)
    FactsState.objects.all().delete()
    t0 = time.perf_counter()
    rows = facts.refresh()
    print(
        f"  roll-ups rebuilt from scratch: {rows:,} rows in {time.perf_counter() - t0:.0f} s "
        f"(load {loadavg()})",
        flush=True,
    )
    total, events = sql(
        "SELECT (SELECT count(*) FROM appeals_appeal), (SELECT count(*) FROM appeals_appealevent)"
    )[0]
    first, last = sql("SELECT min(received_at), max(received_at) FROM appeals_appeal")[0]
    print(
        f"  {total:,} appeals, {events:,} events, received {first:%Y-%m-%d} … {last:%Y-%m-%d}; "
        f"database {sql('SELECT pg_size_pretty(pg_database_size(current_database()))')[0][0]}",
        flush=True,
    )

    dispatcher = Client(HTTP_HOST="127.0.0.1")
    dispatcher.force_login(Staff.objects.get(username="dispatcher"))
    leader = Client(HTTP_HOST="127.0.0.1")
    leader.force_login(Staff.objects.get(username="leader"))
    township = Division.objects.filter(level="township").order_by("code")[2].code
    # The same generated appeals at both sizes (ids below the copies' stride).
    closed = (
        Appeal.objects.filter(number__startswith="430422", status="closed")
        .order_by("-received_at")
        .values_list("pk", flat=True)
        .first()
    )
    waiting = (
        Appeal.objects.filter(number__startswith="430422", status="pending_dispatch")
        .order_by("received_at")
        .values_list("pk", flat=True)
        .first()
    )
    today = timezone.localdate()
    year = {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()}

    def page(client, url, params=None):
        def fetch():
            response = client.get(url, params or {})
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    due_ids = list(
        Appeal.objects.filter(number__startswith="430422", status="accepted", due_at__isnull=False)
        .order_by("-received_at")
        .values_list("pk", flat=True)[:SWEEP_DUE]
    )

    def sweep():
        now = timezone.now()
        Appeal.objects.filter(pk__in=due_ids).update(
            warn_at=now - timedelta(hours=2),
            warned_at=None,
            due_at=now - timedelta(hours=1),
            overdue_at=None,
        )
        counts = run_sweep()
        assert counts["warned"] >= len(due_ids) and counts["overdue"] >= len(due_ids), counts

    checks = [
        ("desk list, first page", page(dispatcher, "/staff/desk/")),
        (
            "desk list, 办理中 in a township, page 2",
            page(
                dispatcher, "/staff/desk/", {"status": "accepted", "township": township, "page": 2}
            ),
        ),
        ("appeal page, closed (timeline)", page(dispatcher, f"/staff/appeals/{closed}/")),
        ("appeal page, waiting at the desk", page(dispatcher, f"/staff/appeals/{waiting}/")),
        ("stats overview, default period", page(leader, "/staff/stats/")),
        ("stats overview, one year", page(leader, "/staff/stats/", year)),
        (f"sweep pass, {len(due_ids):,} yellow + red", sweep),
    ]
    results = {}
    for name, fn in checks:
        seconds, queries, slowest = timed(fn)
        results[name] = (seconds, queries, loadavg())
        print(
            f"  {name:<42} {seconds * 1000:8.0f} ms  {queries:3d} queries  (load {loadavg()})",
            flush=True,
        )
        if slowest:
            print(f"      slowest {float(slowest['time']) * 1000:.0f} ms: {slowest['sql'][:150]}")
    connection.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, nargs=2, default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--generate", type=int, default=100_000, help="appeals written by benchdata (with events)"
    )
    parser.add_argument("--database", default="h36_scale")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--jobs", type=int, default=2, help="copies written at once")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="an interrupted run's database (--keep): finish growing it and measure the "
        "large size only",
    )
    args = parser.parse_args()
    small, large = sorted(args.appeals)

    import bench_sweep

    bench_sweep.DB = args.database
    if not args.resume:
        bench_sweep.recreate_database(args.host)
    bench_sweep.setup_django(args.host)
    from django.core.management import call_command

    from mashang.directory.demo import load_demo_county

    started = time.perf_counter()
    windows_of = large // args.generate
    results, redo = {}, set()
    if args.resume:
        stride = sql("SELECT max(id) FROM appeals_appeal WHERE number NOT LIKE 'C%%'")[0][0]
        redo = missing_copies(stride)
        n = (sql("SELECT max(id) FROM appeals_appeal")[0][0] - 1) // stride + 1
        print(f"resuming at copy {n}, again {sorted(redo)} (load {loadavg()})")
    else:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        load_demo_county()
        t0 = time.perf_counter()
        call_command("benchdata", "--appeals", str(args.generate))
        stride = sql("SELECT max(id) FROM appeals_appeal")[0][0]
        settle()
        print(
            f"benchdata: {args.generate:,} appeals with events in {time.perf_counter() - t0:.0f} s"
        )
        t0 = time.perf_counter()
        n = grow(small, args.generate, stride, windows_of, start=1, jobs=args.jobs)
        print(f"{small:,} appeals: copies in {time.perf_counter() - t0:.0f} s (load {loadavg()})")
        results[small] = measure(small)
    t0 = time.perf_counter()
    grow(large, args.generate, stride, windows_of, start=n, jobs=args.jobs, redo=redo)
    print(f"{large:,} appeals: copies in {time.perf_counter() - t0:.0f} s (load {loadavg()})")
    results[large] = measure(large)
    if args.resume:
        return

    print()
    print(f"{'':<42} {small:>12,} {large:>12,}   ratio  (goal ≤ 2×)")
    for name in results[small]:
        (a, qa, la), (b, qb, lb) = results[small][name], results[large][name]
        print(
            f"{name:<42} {a * 1000:8.0f} ms {qa:2d}q {b * 1000:7.0f} ms {qb:2d}q  "
            f"{b / a:5.2f}×  load {la} / {lb}"
        )
    print(f"whole run {(time.perf_counter() - started) / 60:.0f} min")
    if not args.keep:
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(
            f"host={args.host} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE IF EXISTS {args.database}")


if __name__ == "__main__":
    main()
