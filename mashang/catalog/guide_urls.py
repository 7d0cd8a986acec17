from django.urls import path

from . import guide

urlpatterns = [
    path("", guide.home, name="guide_home"),
    path("topics/<slug:code>/", guide.topic, name="guide_topic"),
    path("units/", guide.units, name="guide_units"),
    path("units/<int:pk>/", guide.unit, name="guide_unit"),
    path("items/<str:code>/", guide.item, name="guide_item"),
    path("items/<str:code>/guide.pdf", guide.item_pdf, name="guide_item_pdf"),
    path("bundles/<slug:code>/", guide.bundle, name="guide_bundle"),
    path("bundles/<slug:code>/guide.pdf", guide.bundle_pdf, name="guide_bundle_pdf"),
]
