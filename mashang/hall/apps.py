from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "mashang.hall"
    verbose_name = "服务大厅"

    def ready(self):
        # The outbox and the worker know no hall: this app registers with them.
        from mashang.core import jobs
        from mashang.notifications.templates_default import DEFAULTS

        from .messages import TEMPLATES
        from .rollups import refresh
        from .sweep import run_hall_sweep

        jobs.register("hall_sweep", run_hall_sweep, every=30, label="大厅提醒与爽约")
        jobs.register("hall_rollups", refresh, every=300, label="大厅统计日汇总：已写行数")

        from mashang.stats.sections import Section, register

        from . import metrics, rollups

        register(
            Section(
                key="hall",
                label="大厅统计",
                url_name="hall_figures",
                figures=lambda since=None, until=None: metrics.figures(since, until),
                rebuild=lambda tick=None: rollups.refresh(full=True),
            )
        )

        for key, text in TEMPLATES.items():
            DEFAULTS.setdefault(key, text)
