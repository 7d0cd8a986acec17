from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "mashang.appeals"
    verbose_name = "诉求"

    def ready(self) -> None:
        from django.db.models import Q

        from mashang.core import jobs
        from mashang.notifications import confidential

        from .choices import AppealType
        from .intake import purge_stale_drafts

        # Every message about an accusation is for the discipline commission's eyes only.
        confidential.register(Q(appeal__type=AppealType.ACCUSATION))
        # Personal data of unconfirmed drafts is not kept beyond a day.
        jobs.register(
            "purge_drafts", purge_stale_drafts, every=600, label="已清除超过一天未确认的诉求草稿"
        )
