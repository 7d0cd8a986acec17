from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="benefits_home"),
    path("policies/new", views.policy_edit, name="benefits_policy_new"),
    path("policies/<int:pk>/", views.policy_detail, name="benefits_policy"),
    path("policies/<int:pk>/edit", views.policy_edit, name="benefits_policy_edit"),
    path("policies/<int:pk>/run", views.run_start, name="benefits_run_start"),
    path("runs/<int:pk>/", views.run_detail, name="benefits_run"),
    path("grants/", views.grant_list, name="benefits_grants"),
    path("grants/<int:pk>/", views.grant_detail, name="benefits_grant"),
    path("grants/<int:pk>/<str:action>", views.grant_action, name="benefits_grant_action"),
    path("payments/", views.payments, name="benefits_payments"),
    path("data/", views.data, name="benefits_data"),
    path("stats/", views.stats_page, name="benefits_stats"),
    path("stats/grants.xlsx", views.export, name="benefits_export"),
]

public_urlpatterns = [
    path("b/<str:token>", views.confirm, name="benefit_confirm"),
]
