from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mashang.api"
    verbose_name = "接口"
