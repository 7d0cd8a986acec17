"""Applications on PostgreSQL: the figures over N applications (target < 500 ms at the seed's
500,000 a year), the window's and a unit's lists (constant query counts), and a sweep pass.

    .venv/bin/python bench/bench_applications.py [--applications 500000] [--database NAME]

Creates and drops the database NAME (default mashang_bench_applications; local PostgreSQL,
trust auth). Data: the demo county and catalogue, then `manage.py benchdata --applications`
in two steps (a tenth, then the rest), the roll-ups rebuilt after each (`manage.py rollups`):
every page is measured at both sizes so a query count that grows with the data shows.
"""

import argparse
import io
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def timed(client, url, runs=5):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings) * 1000, len(ctx.captured_queries), ctx


def timed_call(func, runs=5):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            func()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000, len(ctx.captured_queries)


def measure(size: int) -> dict:
    """Every figure at the current size; returns the query counts by page."""
    from django.core.management import call_command
    from django.test import Client

    from mashang.directory.models import Staff
    from mashang.stats.metrics import period
    from mashang.stats.sections import SECTIONS

    counts = {}
    print(f"--- {size:,} applications (load {load()}) ---")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Staff.objects.get(username="leader"))
    ms, queries, ctx = timed(client, "/staff/applications/figures/")
    counts["figures"] = queries
    print(f"figures page (办件统计): median {ms:.0f} ms, {queries} queries; target < 500 ms")
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
        print(f"  {float(q['time']) * 1000:.0f} ms  {q['sql'][:110]}")
    since, until = period(None, None)
    section = SECTIONS["applications"]
    ms, queries = timed_call(
        lambda: json.dumps(section.figures(since=since, until=until), default=str)
    )
    counts["stats_json"] = queries
    print(f"stats --json, applications section: median {ms:.0f} ms, {queries} queries")
    start = time.perf_counter()
    call_command("application_stats", "--json", stdout=io.StringIO())
    print(f"manage.py application_stats --json: {(time.perf_counter() - start) * 1000:.0f} ms")
    client.force_login(Staff.objects.get(username="window"))
    for tab in ("prereview", "review", "pickup"):
        ms, queries, _ctx = timed(client, f"/staff/applications/?tab={tab}")
        counts[f"window {tab}"] = queries
        print(f"window list {tab}: median {ms:.0f} ms, {queries} queries")
    client.force_login(Staff.objects.get(username="handler"))
    ms, queries, _ctx = timed(client, "/staff/applications/?tab=review")
    counts["unit review"] = queries
    print(f"unit review list (县住建局): median {ms:.0f} ms, {queries} queries")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=500_000)
    parser.add_argument("--database", default="mashang_bench_applications")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    import bench_sweep

    bench_sweep.DB = args.database
    bench_sweep.recreate_database(args.host)
    bench_sweep.setup_django(args.host)
    from django.core.management import call_command
    from django.db import connection

    from mashang.applications import facts
    from mashang.applications.sweep import run_application_sweep
    from mashang.catalog.demo import load_demo_catalog
    from mashang.directory.demo import load_demo_county

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo_county()
    load_demo_catalog()

    small = max(1, args.applications // 10)
    generated = 0.0
    found = []
    for seed, n, total in ((1, small, small), (2, args.applications - small, args.applications)):
        t0 = time.perf_counter()
        call_command(
            "benchdata", "--applications", str(n), "--seed", str(seed), stdout=io.StringIO()
        )
        took = time.perf_counter() - t0
        generated += took
        print(f"benchdata --applications {n:,}: {took:.0f} s ({n / took:,.0f}/s, load {load()})")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        t0 = time.perf_counter()
        call_command("rollups", stdout=io.StringIO(), stderr=io.StringIO())
        print(f"manage.py rollups (appeals and applications): {time.perf_counter() - t0:.1f} s")
        found.append(measure(total))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM applications_application")
        rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM applications_applicationevent")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM applications_applicationdayfact")
        fact_rows = cursor.fetchone()[0]
    print(
        f"generated {args.applications:,} applications in {generated:.0f} s "
        f"({rows:,} rows with 一件事 parts, {events:,} events; {fact_rows:,} roll-up rows)"
    )
    same = found[0] == found[1]
    print(f"query counts at {small:,} and {args.applications:,}: {'same' if same else found}")
    t0 = time.perf_counter()
    written = facts.refresh()
    print(
        f"first worker refresh after the build: {written:,} rows in "
        f"{time.perf_counter() - t0:.1f} s (rows written in the minutes before the build are "
        "rechecked; here the whole generated year)"
    )
    # The steady state: the last pass a moment ago, one application of an old day changed since.
    from django.utils import timezone

    from mashang.applications.models import Application, ApplicationFactsState

    ApplicationFactsState.objects.update(built_at=timezone.now() - timedelta(seconds=30))
    old = Application.objects.filter(received_at__lt=timezone.now() - timedelta(days=100)).first()
    old.save(update_fields=["updated_at"])
    t0 = time.perf_counter()
    written = facts.refresh()
    print(
        f"worker refresh with one old application changed: {written:,} rows in "
        f"{(time.perf_counter() - t0) * 1000:.0f} ms (load {load()})"
    )
    t0 = time.perf_counter()
    facts.refresh()
    print(
        f"second refresh right after (the margin rechecks that one day): {(time.perf_counter() - t0) * 1000:.0f} ms"
    )
    t0 = time.perf_counter()
    counts = run_application_sweep()
    print(f"sweep pass: {counts} in {(time.perf_counter() - t0) * 1000:.0f} ms (load {load()})")
    t0 = time.perf_counter()
    run_application_sweep()
    print(f"second sweep pass (nothing new): {(time.perf_counter() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
