import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the whole platform in the foreground: gunicorn (web) and the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", default=os.environ.get("WEB_CONCURRENCY", "2"))

    def handle(self, *args, **options):
        bind = f"{options['host']}:{options['port']}"
        procs = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "mashang.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
                # printing a whole county's posters takes a while
                "--timeout",
                os.environ.get("WEB_TIMEOUT", "120"),
            ],
        }
        if "worker" in get_commands():
            procs["worker"] = [sys.executable, "manage.py", "worker"]
        # The children read the same address, so QR codes and SMS links follow --port/--host.
        env = {**os.environ, "PORT": str(options["port"]), "HOST": options["host"]}
        # /metrics adds up the gunicorn workers' request counters through files in this folder.
        web_env = dict(env)
        if not web_env.get("PROMETHEUS_MULTIPROC_DIR"):
            folder = Path(settings.VAR_DIR) / f"prometheus-{options['port']}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            web_env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        running = {
            name: subprocess.Popen(cmd, env=web_env if name == "web" else env)
            for name, cmd in procs.items()
        }
        self.stdout.write(f"码上办已启动：http://{bind}/  （按 Ctrl-C 停止）")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        code = 0
        while not stopping:
            for name, proc in running.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} 进程已退出（{proc.returncode}），正在停止其他进程。")
                    code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.3)
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc in running.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stdout.write("码上办已停止。")
        sys.exit(code)
