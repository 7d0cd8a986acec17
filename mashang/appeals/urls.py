from django.urls import path

from . import views

urlpatterns = [
    path("q", views.manual_code, name="qr_manual"),
    path("q/<str:token>", views.scan, name="qr_scan"),
    path("q/<str:token>/verify/<str:draft>", views.verify, name="intake_verify"),
    path("receipt/<str:number>", views.receipt, name="appeal_receipt"),
    path("track", views.track, name="track"),
    path("track/phone", views.track_phone_verify, name="track_phone_verify"),
    path("track/mine", views.track_mine, name="track_mine"),
    path("track/<str:number>", views.track_detail, name="track_detail"),
]
