from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "mashang.appeals"
    verbose_name = "诉求"

    def ready(self) -> None:
        from django.db.models import Q

        from mashang.notifications import confidential

        from .choices import AppealType

        # Every message about an accusation is for the discipline commission's eyes only.
        confidential.register(Q(appeal__type=AppealType.ACCUSATION))
