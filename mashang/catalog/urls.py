from django.urls import path

from . import staff

urlpatterns = [
    path("", staff.item_list, name="catalog_items"),
    path("new/", staff.item_new, name="catalog_item_new"),
    path("items/<str:code>/", staff.item_detail, name="catalog_item"),
    path("items/<str:code>/diff/", staff.version_diff, name="catalog_diff"),
    path("items/<str:code>/draft/", staff.create_draft, name="catalog_create_draft"),
    path("items/<str:code>/retire/", staff.retire, name="catalog_retire"),
    path("items/<str:code>/v<int:number>/", staff.version_detail, name="catalog_version"),
    path("items/<str:code>/v<int:number>/edit/", staff.draft_edit, name="catalog_draft_edit"),
    path("items/<str:code>/v<int:number>/publish/", staff.publish, name="catalog_publish"),
    path("items/<str:code>/v<int:number>/discard/", staff.discard, name="catalog_discard"),
    path("bundles/", staff.bundle_list, name="catalog_bundles"),
    path("bundles/new/", staff.bundle_edit, name="catalog_bundle_new"),
    path("bundles/<int:pk>/", staff.bundle_detail, name="catalog_bundle"),
    path("bundles/<int:pk>/edit/", staff.bundle_edit, name="catalog_bundle_edit"),
    path("export.xlsx", staff.excel_export, name="catalog_export"),
    path("import/", staff.excel_import, name="catalog_import"),
]
