"""Bench-only: the framework's floor for bench/load.py, a view that inserts one row and returns.

Reached only through `bench/load_settings.py` (DJANGO_SETTINGS_MODULE=load_settings with
bench/ on the path, which bench/load.py gives gunicorn): production's URLconf is
`mashang.urls`, which knows nothing of it. The table `bench_floor` is created by the bench.
"""

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from mashang.core.access import public_view
from mashang.urls import handler403, handler404, handler500  # noqa: F401  (same error pages)
from mashang.urls import urlpatterns as mashang_urlpatterns


@public_view
@csrf_exempt
def floor(request):
    """One INSERT in one transaction, through the same middleware as every page."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (note) VALUES (%s)", ["floor"])
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor", floor, name="bench_floor"), *mashang_urlpatterns]
