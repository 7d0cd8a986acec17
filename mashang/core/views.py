from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .access import public_view


@public_view
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@public_view
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def permission_denied(request, exception=None):
    """Staff are refused inside the staff layout (with their menu); citizens in theirs."""
    context = {"message": str(exception or "")}
    user = getattr(request, "user", None)
    if request.path.startswith(("/staff/", "/api/")) or (user and user.is_authenticated):
        from .nav import nav_for

        if user and user.is_authenticated:
            context["nav"] = nav_for(user)
        return render(request, "core/403_staff.html", context, status=403)
    return render(request, "core/403.html", context, status=403)


def page_not_found(request, exception=None):
    return render(request, "core/404.html", status=404)


@public_view
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice (个人信息保护法 arts. 17, 35): what, why, how long, who, how to ask."""
    from django.conf import settings

    return render(request, "core/privacy.html", {"contact": settings.PRIVACY_CONTACT})


@public_view
def favicon(request: HttpRequest) -> HttpResponse:
    """For clients that ask /favicon.ico directly (pages carry it inline)."""
    from .templatetags.site import FAVICON_SVG

    response = HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=604800"
    return response
