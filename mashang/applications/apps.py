from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "mashang.applications"
    verbose_name = "办件"

    def ready(self):
        # The outbox knows no application: this app registers its message texts with it.
        from mashang.notifications.templates_default import DEFAULTS

        from .messages import TEMPLATES

        for key, text in TEMPLATES.items():
            DEFAULTS.setdefault(key, text)
