"""Open311 GeoReport v2 at /open311/v2/ (filled in by mashang.api.open311)."""

urlpatterns: list = []
