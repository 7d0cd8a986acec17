"""Deadline sweep on PostgreSQL: one pass over N open appeals of which a fixed number are due.

The target (issue: deadlines): 1,000,000 open appeals with 1 % due — a pass under 2 s, and
within 1.5× of a pass over 100,000 appeals with the same 10,000 due (cost follows the due
items, not the table). Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_sweep.py [--sizes 100000 1000000] [--due 10000]

Needs a local PostgreSQL with trust auth (127.0.0.1:5432); creates and drops the database
`mashang_bench`. The data generator is `generate()` below: one INSERT … SELECT over
generate_series, spreading appeals over the demo county's hamlets and departments.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = "mashang_bench"


def recreate_database(host: str) -> None:
    import psycopg

    with psycopg.connect(f"host={host} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")


def setup_django(host: str) -> None:
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@{host}:5432/{DB}",
        SECRET_KEY="bench-only-" + "x" * 50,
        FIELD_ENCRYPTION_KEYS="bench:" + "ab" * 16,
        BLIND_INDEX_KEY="cd" * 32,
        DEMO_MODE="0",
        SECURE="0",
        SMS_BACKEND="file",
        VAR_DIR=str(ROOT / "var" / "bench"),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mashang.settings")
    import django

    django.setup()


def generate(total: int, due: int) -> None:
    """`total` appeals in 办理中 at the county's departments; `due` of them past their limit."""
    from django.db import connection

    from mashang.appeals.models import Appeal
    from mashang.directory.models import Division, Unit

    places = list(Division.objects.filter(level="hamlet").values_list("id", flat=True))
    units = list(Unit.objects.filter(kind="department").values_list("id", flat=True))
    every = max(total // max(due, 1), 1)
    values = {
        "number": "'B' || lpad(g::text, 9, '0')",
        "query_code_digest": "md5(g::text)",
        "channel": "'qr'",
        "kind": "'bureau'",
        "type": "'complaint'",
        "status": "'accepted'",
        "content": "'路灯坏了很久，晚上走路不安全，请尽快修理。'",
        "division_id": f"(%(places)s::bigint[])[1 + (g %% {len(places)})]",
        "lead_unit_id": f"(%(units)s::bigint[])[1 + (g %% {len(units)})]",
        "urgency": "'normal'",
        "due_key": "'complete_complaint'",
        "received_at": "now() - interval '3 days'",
        "updated_at": "now() - interval '3 days'",
        "dispatched_at": "now() - interval '3 days'",
        "accepted_at": "now() - interval '3 days'",
        "due_started_at": "now() - interval '3 days'",
        "complete_due_at": f"CASE WHEN g %% {every} = 0 AND g / {every} <= {due} "
        "THEN now() - interval '1 hour' ELSE now() + interval '3 days' END",
        "due_at": f"CASE WHEN g %% {every} = 0 AND g / {every} <= {due} "
        "THEN now() - interval '1 hour' ELSE now() + interval '3 days' END",
        "warn_at": f"CASE WHEN g %% {every} = 0 AND g / {every} <= {due} "
        "THEN now() - interval '2 hours' ELSE now() + interval '2 days' END",
        # The due ones went yellow in an earlier pass; this pass turns them red.
        "warned_at": f"CASE WHEN g %% {every} = 0 AND g / {every} <= {due} "
        "THEN now() - interval '2 hours' ELSE NULL END",
    }
    columns, exprs = [], []
    for field in Appeal._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.name in values or field.column in values:
            exprs.append(values.get(field.name, values.get(field.column)))
        elif field.null:
            exprs.append("NULL")
        elif field.get_internal_type() == "BooleanField":
            exprs.append("false")
        elif "Integer" in field.get_internal_type():
            exprs.append("0")
        else:
            exprs.append("''")
    sql = (
        f'INSERT INTO "{Appeal._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(exprs)} FROM generate_series(1, {total}) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{Appeal._meta.db_table}" CASCADE')
        cursor.execute(sql, {"places": places, "units": units})
        cursor.execute(f'ANALYZE "{Appeal._meta.db_table}"')


def one_pass() -> tuple[float, dict]:
    from mashang.deadlines.sweep import run_sweep

    start = time.perf_counter()
    counts = run_sweep()
    return time.perf_counter() - start, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    recreate_database(args.host)
    setup_django(args.host)
    from django.core.management import call_command

    from mashang.directory.demo import load_demo_county

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo_county()
    results = {}
    for size in args.sizes:
        t0 = time.perf_counter()
        generate(size, args.due)
        made = time.perf_counter() - t0
        seconds, counts = one_pass()
        idle, _ = one_pass()
        results[size] = seconds
        print(
            f"{size:>9,} open appeals, {args.due:,} due: generated in {made:.1f} s; "
            f"pass {seconds:.2f} s ({counts['warned']:,} yellow, {counts['overdue']:,} red); "
            f"next pass with nothing due {idle * 1000:.0f} ms"
        )
    if len(results) > 1:
        small, large = min(results), max(results)
        print(
            f"ratio {large:,} / {small:,}: {results[large] / results[small]:.2f}× "
            "(target ≤ 1.5×); target for 1,000,000: < 2 s"
        )


if __name__ == "__main__":
    main()
