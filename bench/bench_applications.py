"""Applications on PostgreSQL: the figures page over N applications (target < 500 ms at the
seed's 500,000 a year), the window's and a unit's lists (query counts), and a sweep pass.

    .venv/bin/python bench/bench_applications.py [--applications 500000] [--database NAME]

Creates and drops the database NAME (default mashang_bench_applications; local PostgreSQL,
trust auth). Data: the demo county and catalogue, then `manage.py benchdata_applications`.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


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
    from django.test import Client

    from mashang.applications.sweep import run_application_sweep
    from mashang.catalog.demo import load_demo_catalog
    from mashang.directory.demo import load_demo_county
    from mashang.directory.models import Staff

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo_county()
    load_demo_catalog()
    t0 = time.perf_counter()
    call_command("benchdata_applications", "--applications", str(args.applications))
    print(f"generated {args.applications:,} applications in {time.perf_counter() - t0:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE applications_application")
        cursor.execute("SELECT count(*) FROM applications_application")
        print(f"rows (bundle parts included): {cursor.fetchone()[0]:,}")

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Staff.objects.get(username="leader"))
    ms, queries, ctx = timed(client, "/staff/applications/figures/")
    print(
        f"figures over {args.applications:,}: median {ms:.0f} ms, {queries} queries; target < 500 ms"
    )
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
        print(f"  {float(q['time']) * 1000:.0f} ms  {q['sql'][:110]}")
    client.force_login(Staff.objects.get(username="window"))
    for tab in ("prereview", "review", "pickup"):
        ms, queries, _ctx = timed(client, f"/staff/applications/?tab={tab}")
        print(f"window list {tab}: median {ms:.0f} ms, {queries} queries")
    client.force_login(Staff.objects.get(username="handler"))
    ms, queries, _ctx = timed(client, "/staff/applications/?tab=review")
    print(f"unit review queue (县住建局): median {ms:.0f} ms, {queries} queries")
    t0 = time.perf_counter()
    counts = run_application_sweep()
    print(f"sweep pass: {counts} in {(time.perf_counter() - t0) * 1000:.0f} ms")
    t0 = time.perf_counter()
    run_application_sweep()
    print(f"second sweep pass (nothing new): {(time.perf_counter() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
