from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mashang.notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from mashang.core import jobs, prometheus

        from .outbox import backlog, send_due_messages

        jobs.register("outbox", send_due_messages, every=1, label="短信发件箱：已发送")
        prometheus.register_gauge(
            "mashang_outbox_backlog", "Messages due for sending and not yet sent", backlog
        )
