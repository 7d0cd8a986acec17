"""免申即享: one eligibility run of 稳岗返还 over N firms (default 100,000), time and memory.

    .venv/bin/python bench/bench_benefits.py [--firms 100000] [--sqlite]

Uses a local PostgreSQL with trust auth (127.0.0.1:5432; creates and drops the database
`mashang_bench_benefits`), or with --sqlite a temporary SQLite file. The data go in through the
real importer (validation, encryption, all-or-nothing), in a first process; a fresh process then
runs the policy, so its peak memory is the run's own. A second run shows the re-run (no grant
twice). Prints the figures; asserts nothing.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = "mashang_bench_benefits"


def setup_django(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
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


def rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(firms: int) -> None:
    import random

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from mashang.benefits.demo import _firm_rows, define_policies
    from mashang.benefits.imports import import_firms
    from mashang.testing import make_county

    county = make_county()
    officer = county.people.policy_officer
    rng = random.Random(100_000)
    from mashang.benefits import demo

    demo.FIRMS = firms
    rows = _firm_rows(rng, [county.town_a.code, county.town_b.code])
    start = time.perf_counter()
    import_firms(rows, source="bench", file_name="bench.csv", acting_user=officer)
    print(
        f"import: {firms:,} firm rows validated, encrypted and written in "
        f"{time.perf_counter() - start:.1f} s (peak RSS {rss_mib():.0f} MiB)"
    )
    define_policies(officer)


def run() -> None:
    from mashang.benefits.models import Policy
    from mashang.benefits.runs import run_policy
    from mashang.directory.models import Staff

    officer = Staff.objects.get(username="t_policy_officer")
    policy = Policy.objects.get(name="稳岗返还")
    before = rss_mib()
    for label in ("first run", "re-run"):
        start = time.perf_counter()
        result = run_policy(policy, "2025", acting_user=officer)
        seconds = time.perf_counter() - start
        print(
            f"{label}: {result.evaluated:,} firms in {seconds:.1f} s "
            f"({result.evaluated / seconds:,.0f} firms/s); eligible {result.eligible:,}, "
            f"new grants {result.new_grants:,}, already granted {result.already:,}, "
            f"amount {result.total_amount:,.2f} 元; peak RSS {rss_mib():.0f} MiB "
            f"(+{rss_mib() - before:.0f} MiB over the idle process)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--phase", choices=["generate", "run"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        setup_django(args.url)
        generate(args.firms) if args.phase == "generate" else run()
        return
    if args.sqlite:
        folder = tempfile.mkdtemp(prefix="bench_benefits_")
        url = f"sqlite:///{folder}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect(
            f"host={args.host} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE IF EXISTS {DB}")
            c.execute(f"CREATE DATABASE {DB}")
        url = f"postgres://postgres@{args.host}:5432/{DB}"
    print(f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}")
    for phase in ("generate", "run"):
        subprocess.run(
            [sys.executable, __file__, "--phase", phase, "--url", url, "--firms", str(args.firms)],
            check=True,
        )
    if not args.sqlite:
        import psycopg

        with psycopg.connect(
            f"host={args.host} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
