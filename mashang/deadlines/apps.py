from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "mashang.deadlines"
    verbose_name = "时限与督办"

    def ready(self) -> None:
        from . import signals  # noqa: F401
