import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from mashang.appeals.intake import purge_stale_drafts
from mashang.applications.sweep import run_application_sweep
from mashang.deadlines.sweep import run_sweep
from mashang.hall.sweep import run_hall_sweep
from mashang.notifications.outbox import send_due_messages
from mashang.stats.facts import refresh as refresh_facts

PURGE_EVERY = 600  # seconds between sweeps of unconfirmed drafts
SWEEP_EVERY = 30  # seconds between deadline sweeps


class Command(BaseCommand):
    help = (
        "Background worker: delivers queued messages, sweeps deadlines (warnings, overdue, "
        "督办) and purges unconfirmed drafts. --once runs a single pass of each."
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
        last_purge = last_sweep = 0.0
        while True:
            if time.monotonic() - last_sweep > SWEEP_EVERY or options["once"]:
                swept = run_sweep()
                swept.update({f"办件{k}": v for k, v in run_application_sweep().items()})
                swept.update({f"大厅{k}": v for k, v in run_hall_sweep().items()})
                refresh_facts()
                last_sweep = time.monotonic()
                if any(swept.values()):
                    self.stdout.write(f"worker: 时限巡检 {swept}")
            sent = send_due_messages()
            if sent:
                self.stdout.write(f"worker: {sent} 条消息已发送")
            if time.monotonic() - last_purge > PURGE_EVERY:
                purged = purge_stale_drafts()
                last_purge = time.monotonic()
                if purged:
                    self.stdout.write(f"worker: 已清除 {purged} 份超过一天未确认的诉求草稿")
            if options["once"] or stop:
                return
            slept = 0.0
            while slept < options["interval"] and not stop:
                time.sleep(0.2)
                slept += 0.2
            close_old_connections()  # between passes: drop a connection the database lost
