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
3. The same with server-sent events instead (a minimal SSE endpoint that exists only in this
   bench, `sse_app` below: each open stream checks for new calls every 0.2 s and pushes them),
   on gunicorn gthread workers (a thread per open screen); and what SSE does to sync workers:
   once every worker holds a screen's stream, the next request waits.
Creates and drops the database $BENCH_HALL_DB (default h14_bench; trust auth on
127.0.0.1:5432). Prints figures; asserts nothing.
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
DB = os.environ.get("BENCH_HALL_DB", "h14_bench")
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


SSE_CHECK = 0.2  # seconds between an open stream's checks for new calls


def sse_app(environ, start_response):
    """Django, plus `/bench/sse?hall=` streaming new calls as server-sent events (bench only)."""
    from mashang.wsgi import application

    if environ.get("PATH_INFO") != "/bench/sse":
        return application(environ, start_response)
    start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
    return _events()


def _events():
    from django.db import connection

    from mashang.hall.models import Call

    try:
        last = Call.objects.values_list("id", flat=True).first() or 0
        yield b": open\n\n"
        quiet = 0.0
        while True:
            calls = list(
                Call.objects.filter(id__gt=last)
                .order_by("id")
                .values_list("id", "ticket__number", "window__number")
            )
            for call_id, number, window in calls:
                last = call_id
                data = json.dumps({"id": call_id, "number": number, "window": window})
                yield f"id: {call_id}\ndata: {data}\n\n".encode()
            quiet = 0.0 if calls else quiet + SSE_CHECK
            if quiet >= 1:
                yield b": ping\n\n"  # lets a dead client be noticed
                quiet = 0.0
            time.sleep(SSE_CHECK)
    finally:
        connection.close()


def start_gunicorn(port: int, workers: int, threads: int = 0) -> subprocess.Popen:
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT / "bench")}
    extra = ["--worker-class", "gthread", "--threads", str(threads)] if threads else []
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench_hall:sse_app",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *extra,
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


def bench_latency(url, zone, windows, clerks, seconds, interval, screens, sse=None) -> None:
    """`sse`: the stream's URL, read by the screens instead of polling `url`."""
    from django.db import connection

    from mashang.hall import actions

    for w, c in zip(windows, clerks, strict=True):
        if actions.current_session(c) is None:
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

    def sse_loop():
        with urllib.request.urlopen(sse, timeout=10) as stream:
            for line in stream:
                now = time.time()
                if line.startswith(b"data: "):
                    with lock:
                        seen.setdefault(json.loads(line[6:])["id"], now)
                if stop.is_set():
                    break

    pool = 13  # 104 windows on 13 threads: 8 windows each
    threads = [threading.Thread(target=window_loop, args=(j, pool)) for j in range(pool)]
    threads += [threading.Thread(target=sse_loop if sse else screen_loop) for _ in range(screens)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    lat = [seen[k] - committed[k] for k in committed if k in seen]
    how = "on server-sent events" if sse else "polling 1/s"
    print(
        f"screen latency, {len(windows)} windows each calling every {interval:g} s "
        f"({len(committed) / seconds:.1f} calls/s), {screens} screens {how}: "
        f"{len(lat)}/{len(committed)} calls shown, p50 {pct(lat, 50) * 1000:.0f} ms, "
        f"p99 {pct(lat, 99) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms"
    )


def sync_workers_and_sse(base: str, sse: str, workers: int) -> None:
    """Open one SSE stream per sync worker, then time an ordinary request."""
    streams = [urllib.request.urlopen(sse, timeout=10) for _ in range(workers)]
    for s in streams:
        s.readline()  # the stream is open: that worker is now taken
    start = time.perf_counter()
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
        waited = f"answered in {(time.perf_counter() - start) * 1000:.0f} ms"
    except OSError:
        waited = f"no answer within {time.perf_counter() - start:.1f} s"
    for s in streams:
        s.close()
    print(f"sync workers: {workers} screens on SSE hold all {workers} workers; /healthz {waited}")


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
    base = f"http://127.0.0.1:{args.port}"
    url = f"{base}/hall/screen/calls.json?hall={hall.code}"
    sse = f"{base}/bench/sse?hall={hall.code}"
    proc = start_gunicorn(args.port, args.workers)
    try:
        bench_feed_rate(url, 5)
        bench_latency(url, zone, windows, clerks, args.seconds, args.interval, args.screens)
        sync_workers_and_sse(base, sse, args.workers)
    finally:
        proc.terminate()
        proc.wait()
    threads = args.screens + 4
    proc = start_gunicorn(args.port, args.workers, threads=threads)
    try:
        print(f"gunicorn gthread: {args.workers} workers × {threads} threads")
        bench_latency(url, zone, windows, clerks, args.seconds, args.interval, args.screens, sse)
        bench_latency(url, zone, windows, clerks, args.seconds, args.interval, args.screens)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
