"""The site's URLconf with the desk at another address: the nav must follow the URLconf."""

from django.urls import include, path

from mashang.appeals import staff

# The last pattern of a name is the one reverse() gives.
urlpatterns = [
    path("", include("mashang.urls")),
    path("elsewhere/desk/", staff.desk, name="desk"),
]
