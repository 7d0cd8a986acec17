from django.urls import path

from . import staff, views

urlpatterns = [
    path("q", views.manual_code, name="qr_manual"),
    path("q/<str:token>", views.scan, name="qr_scan"),
    path("q/<str:token>/verify/<str:draft>", views.verify, name="intake_verify"),
    path("receipt/<str:number>", views.receipt, name="appeal_receipt"),
    path("track", views.track, name="track"),
    path("track/phone", views.track_phone_verify, name="track_phone_verify"),
    path("track/mine", views.track_mine, name="track_mine"),
    path("track/<str:number>", views.track_detail, name="track_detail"),
    path("track/<str:number>/photos/<int:photo>", views.track_photo, name="track_photo"),
    path("r/<str:token>", views.rate_appeal, name="rate_appeal"),
    path("staff/desk/", staff.desk, name="desk"),
    path("staff/work/", staff.workbench, name="workbench"),
    path("staff/discipline/", staff.discipline_queue, name="discipline_queue"),
    path("staff/callbacks/", staff.callbacks, name="callbacks"),
    path("staff/leader/", staff.leader_view, name="leader_view"),
    path("staff/appeals/<int:pk>/", staff.appeal_detail, name="appeal_detail"),
    path("staff/appeals/<int:pk>/photos/<int:photo>", staff.appeal_photo, name="appeal_photo"),
    path("staff/appeals/<int:pk>/<str:action>", staff.appeal_action, name="appeal_action"),
]
