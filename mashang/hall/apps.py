from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "mashang.hall"
    verbose_name = "服务大厅"

    def ready(self):
        # The outbox knows no hall: this app registers its message texts with it.
        from mashang.notifications.templates_default import DEFAULTS

        from .messages import TEMPLATES

        for key, text in TEMPLATES.items():
            DEFAULTS.setdefault(key, text)
