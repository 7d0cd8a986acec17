from django.apps import AppConfig


class QrcodesConfig(AppConfig):
    name = "mashang.qrcodes"
    verbose_name = "二维码"
