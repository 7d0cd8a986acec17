from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "mashang.documents"
    verbose_name = "公文"
