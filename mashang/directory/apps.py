from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "mashang.directory"
    verbose_name = "组织目录"
