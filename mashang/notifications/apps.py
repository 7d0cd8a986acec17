from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mashang.notifications"
    verbose_name = "消息通知"
