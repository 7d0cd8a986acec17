from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="stats_overview"),
    path("units/", views.units, name="stats_units"),
    path("units/<int:pk>/", views.unit_page, name="stats_unit"),
    path("my-unit/", views.my_unit, name="stats_my_unit"),
    path("appeals/", views.appeal_list, name="stats_appeals"),
    path("appeals.xlsx", views.export, name="stats_export"),
    path("report", views.monthly_report, name="stats_report"),
]
