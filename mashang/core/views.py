from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .access import public_view
from .models import WorkerHeartbeat

WORKER_STALE_AFTER = 120  # seconds without a pass before /healthz calls the workers stale


@public_view
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for load balancers and monitors).

    Also reports the workers' last pass: a stopped worker does not make the web unhealthy
    (pages still work), but monitors see `"worker": {"status": "stale"}`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        beats = list(WorkerHeartbeat.objects.all()[:50])
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    now = timezone.now()
    last = max((b.beat_at for b in beats), default=None)
    if last is None:
        worker = {"status": "none", "last_pass": None}
    else:
        age = (now - last).total_seconds()
        worker = {
            "status": "ok" if age < WORKER_STALE_AFTER else "stale",
            "last_pass": last.isoformat(),
            "age_seconds": round(age, 1),
            "alive": sum(
                1 for b in beats if (now - b.beat_at).total_seconds() < WORKER_STALE_AFTER
            ),
        }
    return JsonResponse({"status": "ok", "database": "ok", "worker": worker})


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


def server_error(request):
    """A Chinese page that needs no database or context (whatever broke may be one of them).

    The database not answering or the media disk full, raised outside a view (a middleware:
    the session, the login), get the 503 of `middleware.ServiceUnavailable` instead."""
    import sys

    from django.template import loader

    from .middleware import unavailable_reason, unavailable_response

    reason = unavailable_reason(sys.exc_info()[1])
    if reason is not None:
        return unavailable_response(request.path, reason)

    # Only a form sent (POST) has something "not submitted"; a page opened just did not open.
    posted = request.method not in ("GET", "HEAD")
    return HttpResponse(loader.get_template("core/500.html").render({"posted": posted}), status=500)


def bad_request(request, exception=None):
    """Django's 400, except when the cause was the database going away: the session could not
    be saved at the end of the request (Django reports that as SessionInterrupted, a 400), which
    is the 503 of `middleware.ServiceUnavailable`, not the citizen's fault."""
    from django.views.defaults import bad_request as default_bad_request

    from .middleware import unavailable_reason, unavailable_response

    reason = unavailable_reason(exception)
    if reason is not None:
        return unavailable_response(request.path, reason)
    return default_bad_request(request, exception)


def csrf_failure(request, reason=""):
    """An expired form (the page was open too long, or cookies were cleared), said plainly."""
    return permission_denied(
        request, "页面已过期或浏览器未保存登录信息，请返回上一页，刷新后重新提交。"
    )


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
