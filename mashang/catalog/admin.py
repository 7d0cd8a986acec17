"""Admin for the catalogue's dictionaries; items and bundles are kept on the staff pages,
where drafts, diffs and publication are audited."""

from django.contrib import admin

from .models import CatalogEvent, FormField, MaterialType, Synonym, Topic


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["phrase", "canonical", "note"]
    search_fields = ["phrase", "canonical"]


@admin.register(FormField)
class FormFieldAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "kind", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["code", "label"]


@admin.register(MaterialType)
class MaterialTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "e_license_type", "government_holds"]
    list_filter = ["government_holds"]
    search_fields = ["code", "name"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "sort_order"]
    list_filter = ["kind"]


@admin.register(CatalogEvent)
class CatalogEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "item", "bundle", "note"]
    list_filter = ["action"]
    search_fields = ["item__code", "item__name", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
