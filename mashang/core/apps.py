from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mashang.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.contrib import admin

        from . import checks, signals  # noqa: F401
        from .text import clean_admin_forms

        clean_admin_forms(admin.site)
