from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "mashang.benefits"
    verbose_name = "免申即享"

    def ready(self):
        # The lower parts know nothing of this app: it registers its SMS texts and figures.
        from mashang.notifications.templates_default import DEFAULTS

        from .messages import TEMPLATES

        for key, text in TEMPLATES.items():
            DEFAULTS.setdefault(key, text)
        from mashang.stats.sections import register

        from .metrics import SECTION

        register(SECTION)
