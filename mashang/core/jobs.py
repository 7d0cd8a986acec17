"""The worker's periodic jobs: each app registers its own, `manage.py worker` runs them all.

The worker knows no domain. An app that owns periodic work registers it in its
`AppConfig.ready()`:

    from mashang.core import jobs

    class RemindersConfig(AppConfig):
        def ready(self):
            from .reminders import send_reminders
            jobs.register("reminders", send_reminders, every=60, label="办件提醒")

- `func()` takes no argument and returns a number (how many things it did) or a dict of
  numbers; a non-zero result is logged, an exception is logged and the next job still runs.
- `every` is in seconds; the worker runs a job when that much time has passed since its last
  run in this process (and on `--once`, every job once).
- Several workers on several machines run the same jobs at once, so a job must be safe to run
  concurrently: claim rows with `SELECT … FOR UPDATE SKIP LOCKED` (see `outbox._claim`), or
  make the job idempotent. Each worker records its passes in `WorkerHeartbeat`, which
  /healthz and /metrics read.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError

logger = logging.getLogger("mashang.worker")


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], object]
    every: float
    label: str


_registry: dict[str, Job] = {}


def register(name: str, func: Callable[[], object], *, every: float, label: str = "") -> Job:
    """Register a periodic job (call from `AppConfig.ready()`); re-registering replaces it."""
    if every <= 0:
        raise ValueError(f"job {name}: every must be positive")
    job = Job(name=name, func=func, every=float(every), label=label or name)
    _registry[name] = job
    return job


def registered() -> list[Job]:
    """Every registered job, shortest period first (the outbox before the daily chores)."""
    return sorted(_registry.values(), key=lambda j: (j.every, j.name))


def get(name: str) -> Job:
    return _registry[name]


def _did_something(result) -> bool:
    if isinstance(result, dict):
        return any(result.values())
    return bool(result)


@dataclass
class Outcome:
    name: str
    ok: bool
    result: object
    seconds: float
    error: str = ""


class Runner:
    """Runs the registered jobs that are due; remembers when each last ran in this process."""

    def __init__(self, jobs: list[Job] | None = None, clock=time.monotonic):
        self.jobs = jobs if jobs is not None else registered()
        self.clock = clock
        self.last_run: dict[str, float] = {}

    def due(self, force: bool = False) -> list[Job]:
        now = self.clock()
        return [
            j
            for j in self.jobs
            if force or j.name not in self.last_run or now - self.last_run[j.name] >= j.every
        ]

    def run_due(self, force: bool = False) -> list[Outcome]:
        outcomes = []
        for job in self.due(force):
            start = self.clock()
            try:
                result = job.func()
            except Exception as exc:  # one failing job must not stop the others
                if isinstance(exc, (OperationalError, InterfaceError)):
                    # The database restarting: one line a job, not a traceback a second.
                    logger.warning("job %s: database unavailable: %s", job.name, exc)
                else:
                    logger.exception("job %s failed", job.name)
                outcome = Outcome(job.name, False, None, self.clock() - start, repr(exc)[:200])
            else:
                outcome = Outcome(job.name, True, result, self.clock() - start)
                if _did_something(result):
                    logger.info("job %s: %s", job.name, result)
            self.last_run[job.name] = self.clock()
            outcomes.append(outcome)
        return outcomes
