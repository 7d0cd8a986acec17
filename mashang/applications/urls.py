from django.urls import path

from . import staff, views

urlpatterns = [
    path("services/apply/<str:kind>/<str:code>", views.apply, name="apply"),
    path("my/", views.my_list, name="my_list"),
    path("my/login", views.my_login, name="my_login"),
    path("my/rate/<str:token>", views.my_rate, name="my_rate"),
    path("my/<str:number>", views.my_detail, name="my_detail"),
    path("my/<str:number>/files/<int:file_id>", views.my_file, name="my_file"),
    path("my/<str:number>/result", views.my_result, name="my_result"),
    path("my/<str:number>/notice/<str:kind>", views.my_notice, name="my_notice"),
    path("staff/applications/", staff.application_list, name="application_list"),
    path("staff/applications/new/", staff.window_new, name="window_new"),
    path("staff/applications/rating-pad/", staff.window_rating, name="window_rating"),
    path("staff/applications/bad-ratings/", staff.bad_ratings, name="bad_ratings"),
    path("staff/applications/figures/", staff.application_figures, name="application_figures"),
    path("staff/applications/export.xlsx", staff.application_export, name="application_export"),
    path(
        "staff/applications/figures.xlsx",
        staff.application_figures_export,
        name="application_figures_export",
    ),
    path("staff/applications/<int:pk>/", staff.application_detail, name="application_detail"),
    path(
        "staff/applications/<int:pk>/print/<str:kind>",
        staff.application_print,
        name="application_print",
    ),
    path(
        "staff/applications/<int:pk>/files/<int:file_id>",
        staff.application_file,
        name="application_file",
    ),
    path("staff/applications/<int:pk>/result", staff.application_result, name="application_result"),
    path(
        "staff/applications/<int:pk>/<str:action>",
        staff.application_action,
        name="application_action",
    ),
]
