from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "mashang.directory"
    verbose_name = "组织目录"

    def ready(self) -> None:
        from . import signals  # noqa: F401
