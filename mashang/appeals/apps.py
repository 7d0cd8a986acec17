from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "mashang.appeals"
    verbose_name = "诉求"
