from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "mashang.stats"
    verbose_name = "统计分析"
