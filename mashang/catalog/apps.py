from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "mashang.catalog"
    verbose_name = "事项库"
