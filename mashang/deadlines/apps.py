from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "mashang.deadlines"
    verbose_name = "时限与督办"

    def ready(self) -> None:
        from mashang.core import jobs

        from . import signals  # noqa: F401
        from .sweep import run_sweep

        jobs.register("sweep", run_sweep, every=30, label="时限巡检")
