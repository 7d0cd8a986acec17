"""Load, measured side by side (issue 15, section 3): gunicorn on PostgreSQL, wrk as the client.

    apt-get install wrk            # the load generator (Debian package)
    .venv/bin/python bench/load.py [--appeals 1000000] [--duration 10] [--connections 8]
                                   [--workers 4] [--pool both|off|on] [--reuse]

One run: builds the database (`--db`, default h34_load: demo county, `benchdata` + SQL copies
up to --appeals, roll-ups), starts gunicorn the way deploy/mashang-web.service does (sync
workers, WEB_CONCURRENCY, behind one proxy: TRUSTED_PROXY_COUNT=1 and X-Forwarded-For), with
Redis for cache and rate limits, and runs wrk against:

  floor        POST /bench/floor: a bench-only view (bench/load_floor.py, reached only through
               bench/load_settings.py) that inserts one row and returns: the framework's floor
  confirm      the citizen form's confirm step: drafts filed beforehand through the real form
               (session, CSRF, form POST), codes read from the local SMS backend (file), then
               wrk POSTs each draft's code once with its session and CSRF cookie
  open311      POST /open311/v2/requests.json with a partner key (`manage.py partnerkey`)
  desk         the dispatcher's desk list, logged in
  appeal       an appeal page (staff), logged in as the dispatcher
  stats        the statistics overview over --appeals appeals, as the county leader
  form         the citizen form page behind a QR code (GET, records the scan)

and two references beside them, with no goal: a logged-in staff GET that does nothing
(/bench/floor-staff: the session and user reads every staff page pays) and Django's template
engine rendering a desk-sized table of 50 constant rows (/bench/floor-table);

then the floor again, and prints req/s, p50/p99 and the ratio to the floor (the mean of its two
measures; intake: req/s ÷ floor's, goal ≥ 0.5; pages: p50 ÷ floor's p50, goal ≤ 3), with
/proc/loadavg. `--pool both` runs the whole set
twice, without and with Django 5.2's psycopg pool (needs psycopg-pool). The machine is shared:
the ratios measured in one run are the honest figure, not the absolute numbers.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

SMS_FILE = ROOT / "var" / "bench" / "load-sms.log"


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def bench_env(args, pool: bool) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@{args.host}:5432/{args.db}",
        "REDIS_URL": args.redis,
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "bench:" + "ab" * 16,
        "BLIND_INDEX_KEY": "cd" * 32,
        "DEMO_MODE": "0",
        "SECURE": "0",  # plain http on 127.0.0.1; nginx does TLS in production
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(SMS_FILE),
        "VAR_DIR": str(ROOT / "var" / "bench"),
        "LOG_LEVEL": "WARNING",
        "TRUSTED_PROXY_COUNT": "1",
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
        "DB_POOL": "1" if pool else "0",
    }
    return env


def setup_django(args) -> None:
    os.environ.update(bench_env(args, pool=False))
    import django

    django.setup()


def prepare_database(args) -> None:
    import psycopg

    conninfo = f"host={args.host} user=postgres dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if exists and not args.reuse:
            c.execute(f'DROP DATABASE "{args.db}" WITH (FORCE)')
        if not exists or not args.reuse:
            c.execute(f'CREATE DATABASE "{args.db}"')
    setup_django(args)
    from django.core.management import call_command
    from django.db import connection

    from mashang.appeals.models import Appeal

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor "
            "(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), note text)"
        )
    have = Appeal.objects.count()
    if args.reuse and have >= args.appeals:
        print(f"reusing {args.db}: {have:,} appeals")
        return
    from bench_stats import replicate

    from mashang.directory.demo import load_demo_county

    load_demo_county()
    t0 = time.perf_counter()
    base = min(args.appeals, 100_000)
    call_command("benchdata", "--appeals", str(base), "--no-events")
    copies = args.appeals // base - 1
    if copies > 0:
        replicate(copies)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from mashang.stats import facts

    facts.refresh()
    print(
        f"generated {Appeal.objects.count():,} appeals and their roll-ups "
        f"in {time.perf_counter() - t0:.0f} s"
    )


# ---- gunicorn ------------------------------------------------------------------------------


class Server:
    """gunicorn as deploy/mashang-web.service starts it (sync workers, access log on)."""

    def __init__(self, args, pool: bool):
        self.url = f"http://127.0.0.1:{args.port}"
        log_dir = ROOT / "var" / "bench"
        log_dir.mkdir(parents=True, exist_ok=True)
        env = bench_env(args, pool)
        prom = Path(tempfile.mkdtemp(prefix="prom-", dir=log_dir))
        env["PROMETHEUS_MULTIPROC_DIR"] = str(prom)
        self.prom = prom
        log_path = log_dir / "load-gunicorn.log"
        self.booted = (
            log_path.read_text(errors="replace").count("Booting worker") if log_path.exists() else 0
        )
        workers = args.workers
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "mashang.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(args.workers),
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                str(log_dir / "load-access.log"),
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        import requests

        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start: see {log_dir / 'load-gunicorn.log'}")
            time.sleep(0.3)
        # /healthz answered from one worker: wait for the others to boot (imports take seconds)
        deadline = time.monotonic() + 60
        log = log_dir / "load-gunicorn.log"
        while log.read_text(errors="replace").count("Booting worker") < self.booted + workers:
            if time.monotonic() > deadline:
                break
            time.sleep(0.3)
        time.sleep(3)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.prom, ignore_errors=True)


# ---- wrk -----------------------------------------------------------------------------------

LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def lua_get(path: str, cookie: str = "") -> str:
    headers = f'wrk.headers["Cookie"] = "{cookie}"\n' if cookie else ""
    return (
        f'wrk.method = "GET"\nwrk.path = "{path}"\n{headers}'
        'wrk.headers["X-Forwarded-For"] = "10.9.0.1"\n' + LUA_DONE
    )


LUA_FLOOR = (
    'wrk.method = "POST"\nwrk.path = "/bench/floor"\n'
    'wrk.headers["X-Forwarded-For"] = "10.9.0.1"\n' + LUA_DONE
)

# Each wrk thread files with its own run of phone numbers (10 a day per phone is the rule) and
# addresses (Open311 answers one address 120 times a minute: as if many partners' callers).
LUA_OPEN311 = (
    r"""
local counter = 0
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  local phone = string.format("13%d%08d", 1 + tid, counter)
  local body = "api_key=APIKEY&service_code=complaint&attribute%5Bdivision%5D=DIVISION"
    .. "&first_name=%E4%B8%89&last_name=%E5%BC%A0&phone=" .. phone
    .. "&address_string=%E8%B7%AF%E5%8F%A3"
    .. "&description=" .. "%E8%B7%AF%E7%81%AF%E5%9D%8F%E4%BA%86%E5%BE%88%E4%B9%85%EF%BC%8C"
    .. "%E6%99%9A%E4%B8%8A%E8%B5%B0%E8%B7%AF%E4%B8%8D%E5%AE%89%E5%85%A8%E3%80%82+" .. phone
  return wrk.format("POST", "/open311/v2/requests.json", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", 80 + tid, math.floor(counter / 250) % 250, counter % 250),
  }, body)
end
"""
    + LUA_DONE
)

# Drafts split between the threads; each is confirmed exactly once, then the thread stops.
LUA_CONFIRM = (
    r"""
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local items = {}
local next_item = 1
init = function(args)
  local i = 0
  for line in io.lines("DRAFTS") do
    if i % NTHREADS == tid then
      local path, session, csrf, code, ip = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)")
      table.insert(items, {path = path, session = session, csrf = csrf, code = code, ip = ip})
    end
    i = i + 1
  end
end
request = function()
  local it = items[next_item]
  if it == nil then
    wrk.thread:stop()
    it = items[#items]  -- already filed: answered by a redirect, never counted (see below)
  end
  next_item = next_item + 1
  return wrk.format("POST", it.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sessionid=" .. it.session .. "; csrftoken=" .. it.csrf,
    ["X-Forwarded-For"] = it.ip,
  }, "csrfmiddlewaretoken=" .. it.csrf .. "&code=" .. it.code)
end
"""
    + LUA_DONE
)


def run_wrk(args, url: str, script: str, duration: int | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                "--threads",
                str(args.threads),
                "--connections",
                str(args.connections),
                "--duration",
                f"{duration or args.duration}s",
                "--timeout",
                "30s",
                "--script",
                f.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


# ---- the citizen form's drafts -------------------------------------------------------------


def file_drafts(base: str, token: str, count: int, start: int) -> list[tuple]:
    """`count` drafts through the real form, each from its own browser (session), phone and
    address; returns (verify path, session id, csrf token, phone, ip)."""
    import requests

    def one(i: int):
        n = start + i
        ip = f"10.{100 + n // 65536 % 100}.{n // 256 % 256}.{n % 256}"
        phone = f"159{n:08d}"
        s = requests.Session()
        s.headers["X-Forwarded-For"] = ip
        page = s.get(f"{base}/q/{token}", timeout=30)
        form_token = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text).group(1)
        csrf = s.cookies["csrftoken"]
        r = s.post(
            f"{base}/q/{token}",
            data={
                "csrfmiddlewaretoken": csrf,
                "form_token": form_token,
                "type": "complaint",
                "content": f"路灯坏了很久，晚上走路不安全，请尽快修理。{n}",
                "place_description": "村口",
                "name": "张三",
                "phone": phone,
            },
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code != 302:
            raise SystemExit(f"the form refused draft {n}: {r.status_code} {r.text[:300]}")
        return (r.headers["Location"], s.cookies["sessionid"], csrf, phone, ip)

    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(one, range(count)))


def sms_codes() -> dict[str, str]:
    """Send the queued SMS through the local (file) backend and read each phone's code."""
    from mashang.notifications.backends import FileBackend
    from mashang.notifications.outbox import send_due_messages

    backend = FileBackend(str(SMS_FILE))
    while send_due_messages(limit=500, backend=backend):
        pass
    codes = {}
    for line in SMS_FILE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found = re.search(r"验证码(\d{6})", row["body"])
        if found:
            codes[row["to"]] = found.group(1)
    return codes


# ---- the run -------------------------------------------------------------------------------


def fixtures(args) -> dict:
    """Logged-in sessions, a partner key, a QR code, an appeal: what the scenarios need."""
    from django.core.management import call_command
    from django.test import Client

    from mashang.directory.models import Division, Staff
    from mashang.qrcodes.models import Placement

    def session(username: str) -> str:
        client = Client()
        client.force_login(Staff.objects.get(username=username))
        return client.cookies["sessionid"].value

    import io

    out = io.StringIO()
    name = f"压测对接系统{os.getpid()}"  # its own key: another run re-keying cannot revoke it
    call_command("partnerkey", name, "--hourly-limit", "100000000", stdout=out)
    placement = Placement.objects.filter(status="active", kind="township").order_by("id").first()
    township = Division.objects.filter(level="township").order_by("code").first()
    return {
        "dispatcher": session("dispatcher"),
        "leader": session("leader"),
        "api_key": out.getvalue().strip(),
        "token": placement.token,
        "division": township.code,
    }


def check_page(url: str, cookie: str, expect: str) -> None:
    import requests

    r = requests.get(
        url, headers={"Cookie": cookie, "X-Forwarded-For": "10.9.0.1"}, allow_redirects=False
    )
    if r.status_code != 200 or expect not in r.text:
        raise SystemExit(f"{url} answered {r.status_code} without {expect!r}: {r.text[:300]}")


def run_set(args, fx: dict, pool: bool, draft_start: int) -> list[dict]:
    from mashang.appeals.models import Appeal

    server = Server(args, pool)
    base = server.url
    rows = []
    try:
        form_path = f"/q/{fx['token']}"
        check_page(base + form_path, "", "手机号码")
        # warm every worker: imports, templates, the first connection
        run_wrk(args, base, LUA_FLOOR, duration=3)
        run_wrk(args, base, lua_get(form_path), duration=1)

        floor = run_wrk(args, base, LUA_FLOOR)
        rows.append({"name": "floor (1-row insert)", "kind": "floor", **floor})

        # confirm: drafts for the floor's rate over the duration, at most --max-drafts (a
        # thread that runs out stops: the rate is then over the shorter time)
        count = min(int(floor["rps"] * args.duration * 0.6) + 100, args.max_drafts)
        t0 = time.perf_counter()
        drafts = file_drafts(base, fx["token"], count, draft_start)
        codes = sms_codes()
        print(
            f"  {count} drafts filed through the form and their codes read from the SMS file "
            f"in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
            for path, sess, csrf, phone, ip in drafts:
                f.write(f"{path}\t{sess}\t{csrf}\t{codes[phone]}\t{ip}\n")
        before = Appeal.objects.count()
        script = LUA_CONFIRM.replace("DRAFTS", f.name).replace("NTHREADS", str(args.threads))
        confirm = run_wrk(args, base, script)
        os.unlink(f.name)
        filed = Appeal.objects.count() - before
        if (
            not confirm["requests"] - args.connections * 2
            <= filed
            <= confirm["requests"] + 2 * args.connections
        ):
            raise SystemExit(f"confirm: {confirm['requests']} requests but {filed} appeals filed")
        # the few requests sent after a thread ran out of drafts are not filings
        confirm["requests"] = filed
        confirm["rps"] = filed / (confirm["duration_us"] / 1e6)
        confirm["note"] = f"{filed} appeals filed of {count} drafts"
        rows.append({"name": "intake: form confirm", "kind": "intake", **confirm})

        before = Appeal.objects.count()
        script = LUA_OPEN311.replace("APIKEY", fx["api_key"]).replace("DIVISION", fx["division"])
        o311 = run_wrk(args, base, script)
        filed = Appeal.objects.count() - before
        if (
            not o311["requests"] <= filed <= o311["requests"] + 2 * args.connections
            or o311["status_errors"]
        ):
            raise SystemExit(f"open311: {o311} but {filed} appeals filed")
        rows.append({"name": "intake: Open311 POST", "kind": "intake", **o311})

        # A thousand filings a measure pile up on the desk (nobody dispatches them here) faster
        # than autovacuum re-analyses a 1M-row table: without fresh statistics the planner
        # sorts every waiting appeal for the desk's first page. ANALYZE, as autovacuum would.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE appeals_appeal")
        # the appeal page shows one the form just filed: its first event and SMS are there
        appeal = Appeal.objects.filter(channel="qr").order_by("-id").first().pk
        pages = [
            ("desk", "/staff/desk/", f"sessionid={fx['dispatcher']}", "分拨"),
            ("appeal", f"/staff/appeals/{appeal}/", f"sessionid={fx['dispatcher']}", "诉求"),
            ("stats", "/staff/stats/", f"sessionid={fx['leader']}", "统计"),
            ("form", form_path, "", "手机号码"),
        ]
        for _, path, cookie, expect in pages:
            check_page(base + path, cookie, expect)
            run_wrk(args, base, lua_get(path, cookie), duration=1)
        # References (not goals): a logged-in GET that does nothing, and Django's template
        # engine rendering a desk-sized table from constant rows: the framework's share of a page
        cookie = f"sessionid={fx['dispatcher']}"
        for name, path in (("staff", "/bench/floor-staff"), ("table", "/bench/floor-table")):
            check_page(base + path, cookie, "")
            result = run_wrk(args, base, lua_get(path, cookie))
            rows.append({"name": f"reference: {name} {path}", "kind": "reference", **result})
        for name, path, cookie, _ in pages:
            result = run_wrk(args, base, lua_get(path, cookie))
            if result["status_errors"]:
                raise SystemExit(f"{name}: {result}")
            rows.append({"name": f"page: {name} {path}", "kind": "page", **result})
        # the floor again: the machine's other work comes and goes, so the ratios are to the
        # mean of the floor before and after the real work
        again = run_wrk(args, base, LUA_FLOOR)
        rows.append({"name": "floor again, at the end", "kind": "floor", **again})
    finally:
        server.stop()
    return rows, draft_start + count


def report(rows: list[dict], title: str) -> None:
    floors = [row for row in rows if row["kind"] == "floor"]
    floor = {k: sum(f[k] for f in floors) / len(floors) for k in ("rps", "p50_us", "p99_us")}
    print(f"\n{title}")
    print(f"{'':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  ratio to the floor")
    for row in rows:
        rps_ratio = row["rps"] / floor["rps"]
        lat_ratio = row["p50_us"] / floor["p50_us"]
        if row["kind"] == "floor":
            verdict = ""
        elif row["kind"] == "reference":
            verdict = f"p50 ×{lat_ratio:.1f}, req/s ×{rps_ratio:.2f} (a reference, no goal)"
        elif row["kind"] == "intake":
            ok = "ok" if rps_ratio >= 0.5 else "SHORT"
            verdict = f"req/s ×{rps_ratio:.2f} (goal ≥ 0.5: {ok})"
        else:
            ok = "ok" if lat_ratio <= 3 else "SHORT"
            verdict = f"p50 ×{lat_ratio:.1f}, p99 ×{row['p99_us'] / floor['p99_us']:.1f} "
            verdict += f"(goal p50 ≤ 3: {ok})"
        print(
            f"{row['name'][:28]:28} {row['rps']:8.0f} {row['p50_us'] / 1000:8.1f} "
            f"{row['p99_us'] / 1000:8.1f}  {verdict}"
        )
        if row.get("socket_errors") or (row["kind"] == "floor" and row["status_errors"]):
            print(f"  errors: {row['socket_errors']} socket, {row['status_errors']} status")
    print(
        f"floor (mean of both): {floor['rps']:.0f} req/s, p50 {floor['p50_us'] / 1000:.1f} ms, "
        f"p99 {floor['p99_us'] / 1000:.1f} ms; loadavg {loadavg()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measure")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--pool", choices=["off", "on", "both"], default="both")
    parser.add_argument("--max-drafts", type=int, default=1500)
    parser.add_argument("--db", default="h34_load")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--port", type=int, default=8734)
    parser.add_argument("--reuse", action="store_true", help="keep the database if filled")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    sets = {"off": [False], "on": [True], "both": [False, True]}[args.pool]
    try:
        import psycopg_pool  # noqa: F401
    except ImportError:
        if args.pool == "on":
            raise SystemExit("--pool on needs psycopg-pool: pip install 'psycopg[pool]'") from None
        if True in sets:
            print("psycopg-pool is not installed: measuring without the pool only", flush=True)
        sets = [False]

    print(f"loadavg {loadavg()} at the start; {os.cpu_count()} cores", flush=True)
    prepare_database(args)
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # this bench's own Redis database
    SMS_FILE.parent.mkdir(parents=True, exist_ok=True)
    SMS_FILE.unlink(missing_ok=True)
    fx = fixtures(args)
    print(
        f"gunicorn: {args.workers} sync workers; wrk: {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per measure",
        flush=True,
    )
    start = 0
    for pool in sets:
        label = "with the psycopg pool" if pool else "without a pool (CONN_MAX_AGE=60)"
        print(f"\nmeasuring {label} …", flush=True)
        rows, start = run_set(args, fx, pool, start)
        report(rows, f"{label}, over {args.appeals:,} appeals")


if __name__ == "__main__":
    main()
