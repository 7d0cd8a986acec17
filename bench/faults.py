"""Faults under load, with figures: PostgreSQL restarted, Redis stopped, gunicorn workers
killed with SIGKILL. Asserts nothing; prints what clients saw and what the database holds.

    .venv/bin/python bench/faults.py [--threads 6] [--down 5] [--only restart,redis,kill]

Everything is private and thrown away: a PostgreSQL cluster and a redis-server on free ports
(never the shared 5432/6379), `manage.py serve` (gunicorn, 2 workers, and the worker) against
them, and N threads of citizens filing appeals through the HTML form (with the SMS code step),
the JSON API (file + confirm) and Open311. The same scenarios, shorter, are the tests in
mashang/core/tests/test_fault_processes.py. The media disk full is a test only
(test_fault_disk_full.py: a refusal, nothing kept); so is Redis stopped in-process
(test_fault_redis.py).

Figures per scenario: requests sent, 503s seen (each checked to be the clear answer: the
Chinese page, the JSON error or the Open311 error, with Retry-After), anything else bad (a 500,
a traceback, an unexpected 4xx), receipts acknowledged vs found complete in the database (the
appeal, its first event, its receipt SMS), half-written appeals, recovery time, and the load
average (the machine is shared: timings are noisy).
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mashang.core.tests import faultkit  # noqa: E402


def show(name: str, figures: dict) -> None:
    print(f"\n== {name}")
    for key, value in figures.items():
        if key == "by_kind":
            for kind, count in sorted(value.items()):
                print(f"   {kind:32} {count}")
            continue
        if key in ("lost", "half_written", "bad") and isinstance(value, list):
            value = f"{len(value)} {value[:3] if value else ''}".strip()
        print(f"  {key:28} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--down", type=float, default=5, help="seconds PostgreSQL/Redis stay down")
    parser.add_argument("--kill-for", type=float, default=10, help="seconds of SIGKILLs")
    parser.add_argument("--only", default="restart,redis,kill")
    args = parser.parse_args()
    only = set(args.only.split(","))
    missing = faultkit.missing_binaries()
    if missing:
        sys.exit(missing)

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="mashang-faults-"))
    pg = faultkit.PrivatePostgres().init()
    redis = faultkit.PrivateRedis().start()
    platform = None
    try:
        url = pg.create_database("faults")
        env = faultkit.platform_env(url, tmp, REDIS_URL=redis.url)
        seeded = faultkit.seed(env)
        platform = faultkit.Platform(env, tmp, workers=2)
        print(f"setup {time.monotonic() - started:.1f} s; load {faultkit.loadavg()}")
        if "restart" in only:
            f = faultkit.postgres_restart(
                pg, "faults", platform, seeded, down=args.down, after=8, threads=args.threads
            )
            show(f"PostgreSQL stopped (fast: every connection cut) for {args.down:g} s", f)
        if "redis" in only:
            f = faultkit.redis_stopped(
                pg, "faults", platform, seeded, redis, down=args.down, threads=args.threads
            )
            show(f"Redis killed for {args.down:g} s", f)
        if "kill" in only:
            f = faultkit.kill_web_workers(
                pg, "faults", platform, seeded, duration=args.kill_for, every=1.0,
                threads=args.threads,
            )  # fmt: skip
            show(f"a gunicorn worker killed -9 every second for {args.kill_for:g} s", f)
        print(f"\nstatuses of the outbox's receipt SMS: {faultkit.outbox(pg, 'faults')}")
    finally:
        if platform is not None:
            platform.stop()
        redis.stop()
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"total {time.monotonic() - started:.1f} s; load {faultkit.loadavg()}")


if __name__ == "__main__":
    main()
