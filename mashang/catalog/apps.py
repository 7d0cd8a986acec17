from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "mashang.catalog"
    verbose_name = "事项库"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .queries import bump_figures_version

        # Any write to the catalogue may change its figures (catalog_figures' cache).
        for model in self.get_models(include_auto_created=True):
            for signal in (post_save, post_delete, m2m_changed):
                signal.connect(
                    bump_figures_version, sender=model, dispatch_uid=f"catalog-figures-{model}"
                )
