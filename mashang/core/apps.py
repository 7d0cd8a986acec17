from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mashang.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
