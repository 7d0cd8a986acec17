from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "mashang.stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from mashang.core import jobs

        from .facts import refresh

        jobs.register("rollups", refresh, every=30, label="统计日汇总：已更新天数")
