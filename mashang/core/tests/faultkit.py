"""Real processes for the fault tests and `bench/faults.py`.

A private PostgreSQL cluster and a private Redis on free ports (never the shared 5432/6379,
which other sessions and CI use), the platform (`manage.py serve`: gunicorn + the worker)
against them, citizens filing appeals from threads (the HTML form, the JSON API and Open311),
and the checks afterwards: every receipt a client got is in the database with its first event
and its SMS row, and no appeal anywhere is half-written.
"""

import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEST_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "fault:" + "11" * 16,
    "BLIND_INDEX_KEY": "22" * 32,
    "SECRET_KEY": "fault-test-" + "x" * 48,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_binaries() -> str | None:
    """Why the process tests cannot run here, or None."""
    if pg_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not installed"
    return None


class PrivatePostgres:
    """A throwaway cluster on a free port; `stop`/`start` restart it for real.

    Its folder is a fresh one under the system's temporary directory: run as root, the
    cluster belongs to the `postgres` user, who cannot enter pytest's private folders."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="mashang-faults-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.bin = pg_bin()
        self.as_postgres = os.geteuid() == 0  # initdb refuses root

    def _run(self, *args, check=True, timeout=60):
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout)

    def init(self) -> "PrivatePostgres":
        if self.as_postgres:
            shutil.chown(self.base, "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        self.start()
        return self

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=on -c max_connections=60"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.base / "log"),
                  "-w", "-t", "30", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """fast: every connection is terminated, as in a restart; immediate: as in a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def conninfo(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def query(self, dbname: str, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.conninfo(dbname)) as conn:
            return conn.execute(sql, params).fetchall()


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def platform_env(database_url: str, tmp: Path, **extra) -> dict:
    env = {
        **os.environ,
        **TEST_KEYS,
        "DATABASE_URL": database_url,
        # The API and the verify page show the SMS code, so the load can confirm filings.
        "DEMO_MODE": "1",
        "SECURE": "0",
        "DEBUG": "0",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(tmp / "sms.jsonl"),
        "MEDIA_ROOT": str(tmp / "media"),
        "VAR_DIR": str(tmp / "var"),
        # The load comes from one address; each simulated citizen sends its own through this.
        "TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    for name in ("PROMETHEUS_MULTIPROC_DIR", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        if name not in extra:
            env.pop(name, None)
    return env


SEED = """
import json
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("createcachetable", verbosity=0)
from mashang.api.models import PartnerSystem
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement
from mashang.testing import make_county
county = make_county()
placement = Placement.objects.create(
    kind=QRKind.BUREAU, division=county.county, place_unit=county.units.housing,
    place_label="县住房和城乡建设局", addressee_unit=county.units.housing,
)
partner, key = PartnerSystem.issue("衡阳市12345热线")
partner.hourly_limit = 100000
partner.save()
print("SEED" + json.dumps({"placement": placement.token, "key": key, "division": county.town_a.code}))
"""


def seed(env: dict) -> dict:
    """Migrate the database in `env` and add a county, a poster and an Open311 partner."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    line = next(x for x in result.stdout.splitlines() if x.startswith("SEED"))
    return json.loads(line[4:])


class Platform:
    """`manage.py serve` (gunicorn with N workers + the worker) in its own process group."""

    def __init__(self, env: dict, tmp: Path, workers: int = 2):
        self.port = free_port()
        self.env = env
        self.log = open(tmp / f"serve-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port), "--workers",
             str(workers)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.read_log()[-2000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the platform did not come up: {self.read_log()[-2000:]}")

    def read_log(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def children(self, pid: int) -> list[int]:
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def cmdline(self, pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return ""

    def gunicorn_master(self) -> int | None:
        return next(
            (p for p in self.children(self.proc.pid) if "gunicorn" in self.cmdline(p)), None
        )

    def worker_pid(self) -> int | None:
        return next(
            (p for p in self.children(self.proc.pid) if "manage.py worker" in self.cmdline(p)), None
        )

    def web_workers(self) -> list[int]:
        master = self.gunicorn_master()
        return self.children(master) if master else []

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# ---- the load ------------------------------------------------------------------------------

RECEIPT_NUMBER = re.compile(r"430422-\d{4}-\d{6}")


@dataclass
class Outcome:
    """Every response of every simulated citizen, classified; the receipts they got."""

    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    receipts: list[tuple[str, float]] = field(default_factory=list)  # (number, time)
    bad: list[str] = field(default_factory=list)  # a 500, a traceback, an unexplained 503
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (sent, answered, ok|503|error): a request sent before a moment may be answered after it
    timeline: list[tuple[float, float, str]] = field(default_factory=list)

    def record(self, kind: str, response=None, error: Exception | None = None) -> str:
        now = time.monotonic()
        with self.lock:
            if error is not None:
                self.kinds["connection error"] += 1
                self.timeline.append((now, now, "error"))
                return "error"
            sent = now - response.elapsed.total_seconds()
            status = response.status_code
            self.statuses[status] += 1
            body = response.text
            verdict = "ok" if status < 400 else str(status)
            if status == 503:
                if not _clear_503(kind, response):
                    self.bad.append(f"{kind} 503 without the clear answer: {body[:300]}")
            elif status >= 500 or "Traceback" in body:
                self.bad.append(f"{kind} {status}: {body[:300]}")
            elif status >= 400:
                self.bad.append(f"{kind} {status} refused: {body[:300]}")
            self.kinds[f"{kind} {status}"] += 1
            self.timeline.append((sent, now, verdict))
            return verdict

    def acknowledge(self, number: str) -> None:
        with self.lock:
            self.receipts.append((number, time.monotonic()))

    @property
    def unavailable(self) -> int:
        return self.statuses[503]

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.kinds["connection error"]

    def first_ok_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first success of a request sent after it."""
        times = [done for sent, done, v in self.timeline if sent >= moment and v == "ok"]
        return min(times) - moment if times else None

    def failures_after(self, moment: float) -> int:
        """Failed requests among those sent after `moment`."""
        return sum(1 for sent, _done, v in self.timeline if sent >= moment and v != "ok")


def _clear_503(kind: str, response) -> bool:
    if "Retry-After" not in response.headers:
        return False
    if kind.startswith("api"):
        try:
            return response.json()["code"] == "unavailable" and "稍后" in response.json()["message"]
        except ValueError:
            return False
    if kind.startswith("open311"):
        try:
            return response.json()[0]["code"] == 503
        except (ValueError, KeyError, IndexError):
            return False
    return "系统暂时无法使用" in response.text and "text/html" in response.headers.get(
        "Content-Type", ""
    )


_RUNS = itertools.count(random.SystemRandom().randrange(1000) * 100)


class Citizens:
    """`threads` citizens filing appeals until `stop()`: the HTML form (with the SMS code the
    demo shows), the JSON API (file, then confirm) and Open311 (one POST)."""

    CONTENT = "村口的路灯坏了三个月，晚上走路很危险，请尽快修复。"

    def __init__(self, base: str, seeded: dict, threads: int = 6, kinds=("form", "api", "open311")):
        self.base = base
        self.seeded = seeded
        self.kinds = kinds
        self.outcome = Outcome()
        self._stop = threading.Event()
        # Fresh numbers for every run against the same database: filing tokens are idempotency
        # keys, and a phone may file 10 appeals a day.
        self._counter = itertools.count(next(_RUNS) * 100_000)
        self._counter_lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _next(self) -> int:
        with self._counter_lock:
            return next(self._counter)

    def start(self) -> "Citizens":
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> Outcome:
        self._stop.set()
        for t in self._threads:
            t.join(60)
        return self.outcome

    def _run(self, index: int) -> None:
        import requests

        rng = random.Random(index)
        while not self._stop.is_set():
            n = self._next()
            session = requests.Session()
            session.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            kind = self.kinds[n % len(self.kinds)]
            try:
                getattr(self, "_" + kind)(session, n, rng)
            except requests.RequestException as exc:
                self.outcome.record(kind, error=exc)
                time.sleep(0.05)

    def _phone(self, n: int) -> str:
        return f"13{n % 10**9:09d}"

    def _form(self, s, n, rng) -> None:
        o = self.outcome
        url = f"{self.base}/q/{self.seeded['placement']}"
        r = s.get(url, timeout=30)
        if o.record("form page", r) != "ok":
            return
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text).group(1)
        fields = {
            "csrfmiddlewaretoken": csrf,
            "type": "complaint",
            "content": self.CONTENT,
            "phone": self._phone(n),
            "form_token": f"form-{n}",
        }
        r = s.post(url, data=fields, timeout=30, allow_redirects=False, headers={"Referer": url})
        if o.record("form post", r) != "ok":
            return
        verify = self.base + r.headers["Location"]
        r = s.get(verify, timeout=30)
        if o.record("form verify page", r) != "ok":
            return
        code = re.search(r"本次验证码是 <strong>(\d{6})</strong>", r.text).group(1)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text).group(1)
        for _ in range(3):  # a citizen who sees 系统繁忙 presses the button again
            r = s.post(
                verify,
                data={"csrfmiddlewaretoken": csrf, "code": code},
                timeout=30,
                headers={"Referer": verify},
            )
            if o.record("form confirm", r) == "ok":
                number = RECEIPT_NUMBER.search(r.text)
                if number:
                    o.acknowledge(number.group(0))
                return
            time.sleep(0.5)

    def _api(self, s, n, rng) -> None:
        o = self.outcome
        r = s.post(
            f"{self.base}/api/v1/appeals",
            data={
                "code": self.seeded["placement"],
                "type": "complaint",
                "content": self.CONTENT,
                "client_token": f"api-{n}",
                "phone": self._phone(n),
            },
            timeout=30,
        )
        if o.record("api file", r) != "ok":
            return
        body = r.json()
        for _ in range(3):
            r = s.post(
                f"{self.base}/api/v1/appeals/confirm",
                json={"draft": body["draft"], "sms_code": body["demo_sms_code"]},
                timeout=30,
            )
            if o.record("api confirm", r) == "ok":
                o.acknowledge(r.json()["number"])
                return
            time.sleep(0.5)

    def _open311(self, s, n, rng) -> None:
        o = self.outcome
        r = s.post(
            f"{self.base}/open311/v2/requests.json",
            data={
                "api_key": self.seeded["key"],
                "jurisdiction_id": "430422",
                "service_code": "help",
                "attribute[division]": self.seeded["division"],
                "phone": self._phone(n),
                "description": self.CONTENT,
            },
            timeout=30,
        )
        if o.record("open311 file", r) == "ok":
            o.acknowledge(r.json()[0]["service_request_id"])


# ---- the checks ----------------------------------------------------------------------------


def audit(pg: PrivatePostgres, dbname: str, receipts: list[str]) -> dict:
    """What the database holds for the receipts clients got, and any half-written appeal."""
    rows = pg.query(
        dbname,
        """
        SELECT a.number,
               EXISTS (SELECT 1 FROM appeals_appealevent e
                       WHERE e.appeal_id = a.id AND e.kind = 'received'),
               EXISTS (SELECT 1 FROM notifications_message m
                       WHERE m.appeal_id = a.id AND m.template = 'appeal_received')
        FROM appeals_appeal a
        """,
    )
    complete = {number for number, event, sms in rows if event and sms}
    half = [number for number, event, sms in rows if not (event and sms)]
    numbers = set(receipts)
    return {
        "appeals": len(rows),
        "acknowledged": len(numbers),
        "found": len(numbers & complete),
        "lost": sorted(numbers - complete),
        "half_written": half,
        "duplicates": len(receipts) - len(numbers),
    }


def outbox(pg: PrivatePostgres, dbname: str) -> dict:
    """The receipt SMS by status. A message the worker had claimed ("sending") when the
    database went away stays so until its lease ends (5 minutes), then goes out again."""
    rows = pg.query(
        dbname,
        "SELECT status, count(*) FROM notifications_message WHERE template = 'appeal_received' "
        "GROUP BY status",
    )
    return dict(rows)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ---- the scenarios (the tests assert on these figures; bench/faults.py prints them) ---------


def postgres_restart(
    pg: PrivatePostgres, dbname: str, platform: Platform, seeded: dict, *,
    before: float = 3, down: float = 4, after: float = 8, threads: int = 6,
) -> dict:  # fmt: skip
    """Load; PostgreSQL stopped (every connection terminated) for `down` s and started again."""
    platform.wait_healthy()
    worker = platform.worker_pid()
    citizens = Citizens(platform.base, seeded, threads=threads).start()
    time.sleep(before)
    stopped_at = time.monotonic()
    pg.stop("fast")
    time.sleep(down)
    pg.start()
    up_at = time.monotonic()
    time.sleep(after)
    outcome = citizens.stop()
    recovered = outcome.first_ok_after(up_at)
    figures = {
        "requests": outcome.requests,
        "503": outcome.unavailable,
        "503_while_down": sum(
            1 for sent, _d, v in outcome.timeline if stopped_at <= sent < up_at and v == "503"
        ),
        "bad": outcome.bad[:10],
        "by_kind": dict(outcome.kinds),
        "recovery_seconds": None if recovered is None else round(recovered, 2),
        # After the first success, how many requests still failed (should be none).
        "failures_after_recovery": (
            None if recovered is None else outcome.failures_after(up_at + recovered)
        ),
        "worker_same_pid": platform.worker_pid() == worker and worker is not None,
        "serve_alive": platform.proc.poll() is None,
        "load": loadavg(),
        **audit(pg, dbname, [n for n, _t in outcome.receipts]),
    }
    figures["receipts_after_restart"] = sum(1 for _n, t in outcome.receipts if t > up_at)
    figures["restart_seconds"] = round(up_at - stopped_at, 2)
    return figures


def kill_web_workers(
    pg: PrivatePostgres, dbname: str, platform: Platform, seeded: dict, *,
    duration: float = 8, every: float = 0.5, threads: int = 6,
) -> dict:  # fmt: skip
    """Load; a gunicorn worker killed with SIGKILL every `every` seconds for `duration` s."""
    platform.wait_healthy()
    citizens = Citizens(platform.base, seeded, threads=threads).start()
    time.sleep(1.5)
    kills = 0
    end = time.monotonic() + duration
    rng = random.Random(7)
    while time.monotonic() < end:
        workers = platform.web_workers()
        if workers:
            try:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
        time.sleep(every)
    last_kill = time.monotonic()
    time.sleep(4)
    outcome = citizens.stop()
    return {
        "requests": outcome.requests,
        "kills": kills,
        "connection_errors": outcome.kinds["connection error"],
        "bad": outcome.bad[:10],
        "by_kind": dict(outcome.kinds),
        "ok_after_kills": outcome.first_ok_after(last_kill) is not None,
        "serve_alive": platform.proc.poll() is None,
        "load": loadavg(),
        **audit(pg, dbname, [n for n, _t in outcome.receipts]),
    }


def redis_stopped(
    pg: PrivatePostgres, dbname: str, platform: Platform, seeded: dict, redis: PrivateRedis, *,
    before: float = 3, down: float = 6, after: float = 4, threads: int = 6,
) -> dict:  # fmt: skip
    """Load on a platform whose REDIS_URL is `redis`; Redis killed for `down` s, started again."""
    platform.wait_healthy()
    citizens = Citizens(platform.base, seeded, threads=threads).start()
    time.sleep(before)
    stopped_at = time.monotonic()
    redis.stop()
    time.sleep(down)
    redis.start()
    up_at = time.monotonic()
    time.sleep(after)
    outcome = citizens.stop()
    receipts_while_down = sum(1 for _n, t in outcome.receipts if stopped_at <= t < up_at)
    return {
        "requests": outcome.requests,
        "503": outcome.unavailable,
        "bad": outcome.bad[:10],
        "by_kind": dict(outcome.kinds),
        "receipts_while_down": receipts_while_down,
        "serve_alive": platform.proc.poll() is None,
        "load": loadavg(),
        **audit(pg, dbname, [n for n, _t in outcome.receipts]),
    }
