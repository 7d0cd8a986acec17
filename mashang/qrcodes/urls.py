from django.urls import path

from . import views

urlpatterns = [
    path("", views.placement_list, name="placement_list"),
    path("posters.pdf", views.posters_pdf, name="posters_pdf"),
    path("posters.zip", views.posters_zip, name="posters_zip"),
    path("<int:pk>/retire", views.placement_retire, name="placement_retire"),
    path("<int:pk>/reissue", views.placement_reissue, name="placement_reissue"),
    path("<int:pk>/qr.svg", views.placement_qr, name="placement_qr"),
]
