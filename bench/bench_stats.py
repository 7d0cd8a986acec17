"""Statistics on PostgreSQL: the county overview over N appeals (the issue's target: under
500 ms at 1,000,000), and the monthly exports opened by LibreOffice if it is installed.

    .venv/bin/python bench/bench_stats.py [--appeals 1000000] [--events]

Creates and drops the database `mashang_bench` (local PostgreSQL, trust auth). Data:
`manage.py benchdata` (appeal rows; --events adds their timelines, much slower).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def replicate(copies: int) -> None:
    """Copy the generated appeals `copies` times, each copy 7 hours earlier: realistic
    rows at PostgreSQL speed (benchdata writes ~2,000 a second through the ORM), in the
    same two years, so a day holds ~1,400 appeals as a busy county would."""
    from django.db import connection

    from mashang.appeals.models import Appeal

    fields = [f for f in Appeal._meta.concrete_fields if not f.primary_key]
    shifted = {
        "received_at",
        "updated_at",
        "dispatched_at",
        "accepted_at",
        "completed_at",
        "closed_at",
        "dispatch_due_at",
        "ack_due_at",
        "complete_due_at",
        "rated_at",
        "due_at",
        "warn_at",
        "due_started_at",
        "bad_rating_at",
        "bad_rating_contacted_at",
    }
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        for n in range(1, copies + 1):
            exprs = []
            for f in fields:
                if f.name == "number":
                    exprs.append(f"'C{n}-' || number")
                elif f.name == "submission_token":
                    exprs.append("NULL")
                elif f.name in shifted:
                    exprs.append(f"{f.column} - interval '{7 * n} hours'")
                else:
                    exprs.append(f'"{f.column}"')
            cursor.execute(
                f'INSERT INTO "appeals_appeal" ({columns}) SELECT {", ".join(exprs)} '
                f"FROM appeals_appeal WHERE number NOT LIKE 'C%%'"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--events", action="store_true")
    parser.add_argument(
        "--generate",
        type=int,
        default=100_000,
        help="appeals written by benchdata; the rest are SQL copies",
    )
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    from bench_sweep import recreate_database, setup_django

    recreate_database(args.host)
    setup_django(args.host)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mashang.directory.demo import load_demo_county
    from mashang.directory.models import Staff

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo_county()
    t0 = time.perf_counter()
    base = min(args.appeals, args.generate)
    argv = ["benchdata", "--appeals", str(base)] + ([] if args.events else ["--no-events"])
    call_command(*argv)
    copies = args.appeals // base - 1
    if copies > 0:
        replicate(copies)
    print(
        f"generated {args.appeals:,} appeals in {time.perf_counter() - t0:.0f} s "
        f"({base:,} by benchdata, the rest copied in SQL with shifted dates)"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE appeals_appeal")
    from mashang.stats import facts
    from mashang.stats.models import FactsState

    FactsState.objects.all().delete()  # a full build, as on the worker's first pass
    t0 = time.perf_counter()
    rows = facts.refresh()
    print(f"roll-ups rebuilt from scratch: {rows:,} rows in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    facts.refresh()
    print(
        f"an incremental refresh with nothing changed: {(time.perf_counter() - t0) * 1000:.0f} ms"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Staff.objects.get(username="leader"))
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/staff/stats/")
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    print(
        f"overview over {args.appeals:,} appeals: median {statistics.median(timings) * 1000:.0f} ms "
        f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}), "
        f"{len(ctx.captured_queries)} queries; target < 500 ms"
    )
    slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
    for q in slowest:
        print(f"  {float(q['time']) * 1000:.0f} ms  {q['sql'][:110]}")

    office = shutil.which("libreoffice") or shutil.which("soffice")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("xlsx", "pdf"):
            month = time.strftime("%Y-%m")
            data = b"".join(
                client.get("/staff/stats/report", {"month": month, "format": fmt}).streaming_content
            )
            path = Path(tmp) / f"ours-{fmt}.{fmt}"
            path.write_bytes(data)
            print(f"monthly report {fmt}: {len(data):,} bytes")
        if office:
            result = subprocess.run(
                [
                    office,
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    tmp,
                    str(Path(tmp) / "ours-xlsx.xlsx"),
                ],
                capture_output=True,
                text=True,
                timeout=180,
                env={**os.environ, "HOME": tmp},
            )
            converted = Path(tmp) / "ours-xlsx.pdf"
            print(
                f"LibreOffice converted the Excel report: {converted.exists()} "
                f"({result.stdout.strip()[:100]})"
            )
        else:
            print("LibreOffice not installed: apt-get install libreoffice-calc to check exports")


if __name__ == "__main__":
    main()
