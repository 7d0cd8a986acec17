"""The job registry: apps register, the worker runs whatever is registered."""

import io

import pytest
from django.core.management import call_command

from mashang.core import jobs
from mashang.core.models import WorkerHeartbeat


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_each_app_registers_its_own_periodic_jobs():
    names = {j.name: j.every for j in jobs.registered()}
    # Other apps add theirs (reminders…); these four are the appeals pillar's.
    assert {"outbox": 1, "sweep": 30, "rollups": 30, "purge_drafts": 600}.items() <= names.items()


def test_the_worker_command_imports_no_domain_app():
    import mashang.core.management.commands.worker as worker

    source = open(worker.__file__, encoding="utf-8").read()
    for app in ("appeals", "notifications", "deadlines", "stats", "qrcodes"):
        assert f"mashang.{app}" not in source


def test_a_job_runs_again_only_when_its_period_has_passed():
    calls = []
    clock = FakeClock()
    runner = jobs.Runner(
        [
            jobs.Job("a", lambda: calls.append("a"), 10, "a"),
            jobs.Job("b", lambda: calls.append("b"), 60, "b"),
        ],
        clock=clock,
    )
    runner.run_due()
    clock.now += 11
    runner.run_due()
    clock.now += 50
    runner.run_due()
    assert calls == ["a", "b", "a", "a", "b"]


def test_a_failing_job_does_not_stop_the_next_one():
    ran = []

    def broken():
        raise RuntimeError("database went away")

    runner = jobs.Runner(
        [jobs.Job("broken", broken, 1, "x"), jobs.Job("next", lambda: ran.append(1), 1, "y")]
    )
    outcomes = runner.run_due()
    assert [o.ok for o in outcomes] == [False, True]
    assert "database went away" in outcomes[0].error
    assert ran == [1]


def test_a_job_needs_a_positive_period():
    with pytest.raises(ValueError):
        jobs.register("never", lambda: 0, every=0)


def test_the_worker_runs_a_job_registered_by_any_app(db):
    ran = []
    jobs.register("reminders_test", lambda: ran.append(1) or 1, every=60, label="测试提醒")
    try:
        out = io.StringIO()
        call_command("worker", once=True, stdout=out)
    finally:
        jobs._registry.pop("reminders_test")
    assert ran == [1]
    assert "测试提醒 1" in out.getvalue()
    beat = WorkerHeartbeat.objects.get()
    assert {"outbox", "sweep", "rollups", "purge_drafts", "reminders_test"} <= set(beat.jobs)
    assert all(run["ok"] for run in beat.jobs.values())


def test_a_failed_job_is_recorded_in_the_heartbeat(db):
    def broken():
        raise RuntimeError("boom")

    jobs.register("broken_test", broken, every=60)
    try:
        err = io.StringIO()
        call_command("worker", once=True, stdout=io.StringIO(), stderr=err)
    finally:
        jobs._registry.pop("broken_test")
    run = WorkerHeartbeat.objects.get().jobs["broken_test"]
    assert run["ok"] is False and "boom" in run["error"]
    assert "失败" in err.getvalue()
