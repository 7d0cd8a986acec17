from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "mashang.applications"
    verbose_name = "办件"

    def ready(self):
        # The outbox and the worker know no application: this app registers with them.
        from mashang.core import jobs
        from mashang.notifications.templates_default import DEFAULTS

        from .messages import TEMPLATES
        from .sweep import run_application_sweep

        jobs.register("application_sweep", run_application_sweep, every=30, label="办件时限巡检")

        from .pending import purge

        jobs.register("application_pending_purge", purge, every=3600, label="清理未提交的暂存材料")

        from .facts import refresh

        jobs.register("application_rollups", refresh, every=30, label="办件日汇总：已更新天数")

        from mashang.stats.sections import Section, register

        from . import facts, metrics

        register(
            Section(
                key="applications",
                label="办件统计",
                url_name="application_figures",
                figures=lambda since=None, until=None: metrics.figures(since, until),
                rebuild=lambda tick=None: facts.rebuild_all(tick=tick)[1],
            )
        )

        for key, text in TEMPLATES.items():
            DEFAULTS.setdefault(key, text)
