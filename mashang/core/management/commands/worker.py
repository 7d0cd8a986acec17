import logging
import os
import signal
import socket
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from mashang.core import jobs
from mashang.core.models import WorkerHeartbeat

HEARTBEAT_EVERY = 5.0  # seconds between heartbeat writes (each pass would be one write a second)
FORGET_AFTER = timedelta(days=1)  # heartbeats of workers long gone are deleted

logger = logging.getLogger("mashang.worker")


class Heartbeat:
    """This process's WorkerHeartbeat row, written at most every HEARTBEAT_EVERY seconds."""

    def __init__(self):
        self.host = socket.gethostname()[:100]
        self.pid = os.getpid()
        self.name = f"{self.host}:{self.pid}"
        self.started_at = timezone.now()
        self.passes = 0
        self.jobs: dict[str, dict] = {}
        self.written = 0.0
        try:
            WorkerHeartbeat.objects.filter(beat_at__lt=self.started_at - FORGET_AFTER).delete()
        except DatabaseError as exc:  # the database is restarting: forget them next time
            logger.warning("worker: database unavailable at start: %s", exc)

    def record(self, outcomes: list[jobs.Outcome], force: bool = False) -> None:
        now = timezone.now()
        self.passes += 1
        for o in outcomes:
            self.jobs[o.name] = {
                "at": now.isoformat(),
                "ok": o.ok,
                "seconds": round(o.seconds, 3),
                "error": o.error,
            }
        if not force and time.monotonic() - self.written < HEARTBEAT_EVERY:
            return
        try:
            self._write(now)
        except DatabaseError as exc:
            # PostgreSQL restarting: the worker keeps going and writes again on the next pass
            # (the jobs themselves failed the same way and run again when it is back).
            logger.warning("worker: heartbeat not written, database unavailable: %s", exc)
            return
        self.written = time.monotonic()

    def _write(self, now) -> None:
        WorkerHeartbeat.objects.update_or_create(
            name=self.name,
            defaults={
                "host": self.host,
                "pid": self.pid,
                "started_at": self.started_at,
                "beat_at": now,
                "passes": self.passes,
                "jobs": self.jobs,
            },
        )


class Command(BaseCommand):
    help = (
        "Background worker: runs every periodic job the apps registered (mashang.core.jobs): "
        "the SMS outbox, deadline sweeps, roll-ups, draft purges… --once runs each job once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between passes")

    def handle(self, *args, **options):
        stop = False

        def on_signal(signum, frame):
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        runner = jobs.Runner()
        heartbeat = Heartbeat()
        logger.info(
            "worker %s started: %s",
            heartbeat.name,
            ", ".join(f"{j.name}/{j.every:g}s" for j in runner.jobs),
        )
        while True:
            outcomes = runner.run_due(force=options["once"])
            for o in outcomes:
                if o.ok and jobs._did_something(o.result):
                    self.stdout.write(f"worker: {jobs.get(o.name).label} {o.result}")
                elif not o.ok:
                    self.stderr.write(f"worker: {jobs.get(o.name).label} 失败：{o.error}")
            heartbeat.record(outcomes, force=options["once"] or stop)
            if options["once"] or stop:
                return
            slept = 0.0
            while slept < options["interval"] and not stop:
                time.sleep(0.2)
                slept += 0.2
            close_old_connections()  # between passes: drop a connection the database lost
