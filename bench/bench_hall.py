"""The hall floor on PostgreSQL: one window workbench's calls per second, and the screen's
call-to-display latency with 104 windows calling, over gunicorn sync workers.

    .venv/bin/python bench/bench_hall.py [--seconds 20] [--interval 20] [--screens 4]
                                         [--port 8145] [--workers 2]

1. Workbench: one clerk calls, starts and finishes tickets as fast as the actions allow
   (in-process, then through the real views with Django's test client).
2. Screen feed: a tiny JSON endpoint polled every second with If-None-Match; its 304 rate
   from one client, then 104 windows each calling every `--interval` seconds while
   `--screens` screens poll it, each through gunicorn on `--port`: the latency from a call's
   commit to the first poll that shows it (p50/p99).
Creates and drops the database `h14_bench` (trust auth on 127.0.0.1:5432). Prints figures;
asserts nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = "h14_bench"
ENV = dict(
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
    SECRET_KEY="bench-only-" + "x" * 50,
    FIELD_ENCRYPTION_KEYS="bench:" + "ab" * 16,
    BLIND_INDEX_KEY="cd" * 32,
    DEMO_MODE="0",
    SECURE="0",
    SMS_BACKEND="file",
    VAR_DIR=str(ROOT / "var" / "bench"),
    LOG_LEVEL="WARNING",
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {DB}")


def setup_django() -> None:
    os.environ.update(ENV)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mashang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")


def build_hall(windows: int = 104):
    from mashang.directory.choices import DivisionLevel, Role, UnitKind
    from mashang.directory.models import Division, Staff, Unit
    from mashang.hall.choices import HallKind
    from mashang.hall.models import Hall, Window, Zone

    county = Division.objects.create(code="430422", name="衡南县", level=DivisionLevel.COUNTY)
    unit = Unit.objects.create(name="县政务服务中心", kind=UnitKind.SERVICE_CENTRE, division=county)
    hall = Hall.objects.create(
        code="centre", name="衡南县政务服务中心", kind=HallKind.CENTRE, division=county, unit=unit
    )
    zone = Zone.objects.create(hall=hall, letter="A", name="综合受理区")
    Window.objects.bulk_create(
        [Window(hall=hall, number=n, name="综合窗口") for n in range(1, windows + 1)]
    )
    clerks = Staff.objects.bulk_create(
        [
            Staff(username=f"clerk{n}", roles=[Role.WINDOW_CLERK], unit=unit, full_name=f"窗口{n}")
            for n in range(1, windows + 1)
        ]
    )
    clerks[0].set_password("Bench@2026")
    clerks[0].save()
    return hall, zone, list(Window.objects.filter(hall=hall).order_by("number")), clerks


def pct(values, p):
    ordered = sorted(values)
    return ordered[max(int(round(p / 100 * len(ordered))) - 1, 0)] if ordered else float("nan")


def bench_workbench(zone, window, clerk, seconds: float) -> None:
    from django.db import connection
    from django.test import Client

    from mashang.hall import actions
    from mashang.hall.models import Ticket

    actions.sign_on(window, clerk=clerk)
    for _ in range(1500):
        actions.take_ticket(zone)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 2:
        t = actions.call_next(clerk=clerk)
        actions.act(t, "start", clerk=clerk)
        actions.act(t, "finish", clerk=clerk)
        done += 1
    rate = done / (time.perf_counter() - start)
    print(f"workbench, actions in-process: {rate:.0f} tickets/s (call+start+finish)")
    client = Client()
    client.login(username=clerk.username, password="Bench@2026")
    client.get("/staff/hall/window/")  # warm up: URL resolvers, templates, the first queries
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 2:
        client.post("/staff/hall/window/call")
        t = Ticket.objects.filter(clerk=clerk, status="called").values_list("pk", flat=True)[0]
        client.post(f"/staff/hall/tickets/{t}/start")
        client.post(f"/staff/hall/tickets/{t}/finish")
        done += 1
    rate = done / (time.perf_counter() - start)
    print(f"workbench, through the views:  {rate:.0f} tickets/s ({3 * rate:.0f} POSTs/s)")
    actions.sign_off(clerk=clerk)
    connection.close()


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, **ENV}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mashang.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except Exception:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def get(url, etag=None):
    req = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("ETag"), r.read()
    except urllib.error.HTTPError as e:
        if e.code == 304:
            return 304, etag, b""
        raise


def bench_feed_rate(url: str, seconds: float) -> None:
    status, etag, body = get(url)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        get(url, etag)
        n += 1
    print(
        f"screen feed: 304 answers {n / (time.perf_counter() - start):.0f}/s from one client; "
        f"a 200 is {len(body)} bytes, a 304 none"
    )


def bench_latency(url, zone, windows, clerks, seconds, interval, screens) -> None:
    from django.db import connection

    from mashang.hall import actions

    for w, c in zip(windows, clerks, strict=True):
        actions.sign_on(w, clerk=c)
    for _ in range(len(windows) * int(seconds / interval + 3)):
        actions.take_ticket(zone)
    connection.close()
    committed: dict[int, float] = {}
    seen: dict[int, float] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def window_loop(j, threads):
        """Windows j, j + threads, …: each calls once per `interval` (few DB connections)."""
        from mashang.hall.models import Call

        mine = list(range(j, len(windows), threads))
        gap = interval / len(mine)
        stop.wait(gap * j / threads)
        while not stop.is_set():
            for i in mine:
                t = actions.call_next(clerk=clerks[i])
                if t is not None:
                    call_id = Call.objects.filter(ticket=t).values_list("id", flat=True).first()
                    with lock:
                        committed[call_id] = time.time()
                    actions.act(t, "start", clerk=clerks[i])
                    actions.act(t, "finish", clerk=clerks[i])
                if stop.wait(gap):
                    break
        connection.close()

    def screen_loop():
        etag = None
        while not stop.is_set():
            status, etag, body = get(url, etag)
            now = time.time()
            if status == 200:
                for c in json.loads(body)["calls"]:
                    with lock:
                        seen.setdefault(c["id"], now)
            stop.wait(1.0)

    pool = 13  # 104 windows on 13 threads: 8 windows each
    threads = [threading.Thread(target=window_loop, args=(j, pool)) for j in range(pool)]
    threads += [threading.Thread(target=screen_loop) for _ in range(screens)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    lat = [seen[k] - committed[k] for k in committed if k in seen]
    print(
        f"screen latency, {len(windows)} windows each calling every {interval:g} s "
        f"({len(committed) / seconds:.1f} calls/s), {screens} screens polling 1/s: "
        f"{len(lat)}/{len(committed)} calls shown, p50 {pct(lat, 50) * 1000:.0f} ms, "
        f"p99 {pct(lat, 99) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=20)
    parser.add_argument("--screens", type=int, default=4)
    parser.add_argument("--port", type=int, default=8145)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    recreate_database()
    setup_django()
    hall, zone, windows, clerks = build_hall()
    bench_workbench(zone, windows[0], clerks[0], args.seconds)
    proc = start_gunicorn(args.port, args.workers)
    try:
        url = f"http://127.0.0.1:{args.port}/hall/screen/calls.json?hall={hall.code}"
        bench_feed_rate(url, 5)
        bench_latency(url, zone, windows, clerks, args.seconds, args.interval, args.screens)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
