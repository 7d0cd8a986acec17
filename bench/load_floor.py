"""Bench-only: the framework's floor for bench/load.py, a view that inserts one row and returns.

Reached only through `bench/load_settings.py` (DJANGO_SETTINGS_MODULE=load_settings with
bench/ on the path, which bench/load.py gives gunicorn): production's URLconf is
`mashang.urls`, which knows nothing of it. The table `bench_floor` is created by the bench.
"""

from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from mashang.core.access import public_view, staff_view
from mashang.urls import handler403, handler404, handler500  # noqa: F401  (same error pages)
from mashang.urls import urlpatterns as mashang_urlpatterns


@public_view
@csrf_exempt
def floor(request):
    """One INSERT in one transaction, through the same middleware as every page."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (note) VALUES (%s)", ["floor"])
    return HttpResponse("ok", content_type="text/plain")


@staff_view()
def floor_staff(request):
    """References, not goals: a logged-in staff GET (session and user read) that does nothing."""
    return HttpResponse("ok", content_type="text/plain")


# A 50-row, 9-column table like the desk's, from constant rows: what Django's template engine
# alone costs for a list page of that size (no query, no staff shell).
TABLE = engines["django"].from_string(
    "<table>{% for r in rows %}<tr><td><a href='/staff/appeals/{{ r.pk }}/'>{{ r.number }}</a>"
    "</td><td>{{ r.at|date:'Y-m-d H:i' }}</td><td>{{ r.type }}</td><td>{{ r.kind|default:'—' }}"
    "</td><td>{{ r.town }}</td><td>{{ r.place }}</td><td>{{ r.status }}</td>"
    "<td>{{ r.unit|default:'—' }}</td><td>{{ r.due|date:'m-d H:i' }}</td></tr>{% endfor %}</table>"
)
ROWS = [
    {
        "pk": i,
        "number": f"430422-2026-{i:06d}",
        "at": datetime(2026, 11, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=i),
        "type": "投诉",
        "kind": "乡镇",
        "town": "云集街道",
        "place": "云集街道某某村",
        "status": "待分拨",
        "unit": "",
        "due": datetime(2027, 1, 1, tzinfo=UTC),
    }
    for i in range(50)
]


@staff_view()
def floor_table(request):
    return HttpResponse(TABLE.render({"rows": ROWS}, request))


urlpatterns = [
    path("bench/floor", floor, name="bench_floor"),
    path("bench/floor-staff", floor_staff, name="bench_floor_staff"),
    path("bench/floor-table", floor_table, name="bench_floor_table"),
    *mashang_urlpatterns,
]
