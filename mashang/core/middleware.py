import errno
import logging
import secrets

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

log = logging.getLogger(__name__)


class RenewingSessionMiddleware(SessionMiddleware):
    """Sessions whose idle clock is renewed at most once every SESSION_RENEW_SECONDS.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) was three of a staff
    page's SQL statements; an idle session now ends SESSION_COOKIE_AGE after its last save,
    at most SESSION_RENEW_SECONDS (or a tenth of the idle time, if less) earlier than after
    the last request. The stored expiry comes from core.sessions.SessionStore."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        expiry = getattr(session, "loaded_expiry", None)  # set once the session was read
        if expiry is not None and not session.modified:
            left = (expiry - timezone.now()).total_seconds()
            age = session.get_expiry_age()
            # A tenth of the idle time at most: a short idle setting is still renewed by use.
            if left < age - min(settings.SESSION_RENEW_SECONDS, age // 10):
                session.modified = True
        return super().process_response(request, response)


class RejectNulBytes:
    """Refuse form fields, query strings and JSON bodies holding NUL characters.

    PostgreSQL cannot store them (SQLite can): without this a crafted request is a 500 on one
    database and not the other. Uploaded files are binary and not inspected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    MESSAGE = "请求包含无效字符。"

    def __call__(self, request):
        if self._has_nul(request, form=False):
            return self._refuse(request.path)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Form fields: a citizen's form (marked `keeps_typing`) gets its fields back without
        the NUL characters and `request.nul_removed` set, so it can show the form again with
        a message and everything typed; any other view refuses as before."""
        if request.method not in ("POST", "PUT", "PATCH") or request.content_type == (
            "application/json"
        ):
            return None
        if not any("\x00" in v for values in request.POST.lists() for v in values[1]):
            return None
        if getattr(view_func, "keeps_typing", False):
            cleaned = request.POST.copy()
            for key, values in cleaned.lists():
                cleaned.setlist(key, [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.POST = cleaned
            request.nul_removed = True
            return None
        return self._refuse(request.path)

    def _refuse(self, path: str):
        """In the error format of the part of the site that was asked."""
        if path.startswith("/api/"):
            return JsonResponse(
                {"code": "invalid", "message": self.MESSAGE, "fields": {}},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        if path.startswith("/open311/"):
            from mashang.api.open311 import Open311Error, _error_response

            fmt = "json" if path.endswith(".json") else "xml"
            return _error_response(fmt, Open311Error(400, self.MESSAGE))
        return HttpResponseBadRequest(
            self.MESSAGE.encode(), content_type="text/plain; charset=utf-8"
        )

    @staticmethod
    def _has_nul(request, *, form: bool = True) -> bool:
        if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            if request.content_type == "application/json":
                body = request.body
                return b"\x00" in body or b"\\u0000" in body
            if form and any("\x00" in v for values in request.POST.lists() for v in values[1]):
                return True
        return False


class SecurityHeaders:
    """A Content-Security-Policy on every page, and no caching of pages with personal data.

    Scripts only from our own origin, or inline with this response's nonce
    (`<script nonce="{{ request.csp_nonce }}">`: the photo thumbnails and the unit picker stay
    inline so that a citizen page is one request); inline styles are allowed because ECharts tooltips write style attributes.
    Staff pages show phones and accusation content, citizens' pages show their own appeal: a
    shared computer's browser cache or a proxy must not keep them (`Cache-Control: no-store`).
    """

    PRIVATE_PREFIXES = ("/staff/", "/admin/", "/track", "/receipt/", "/q/", "/r/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy.replace("{nonce}", request.csp_nonce)
        user = getattr(request, "user", None)
        if request.path.startswith(self.PRIVATE_PREFIXES) or (
            user is not None and user.is_authenticated
        ):
            add_never_cache_headers(response)
        return response


NUL_MESSAGE = "您填写的内容里有无法识别的字符，已经去掉，请检查后再提交。"


def keeps_typing(view):
    """Mark a citizen's form view: a NUL byte in its fields comes back as a message on the
    form with what was typed (see RejectNulBytes.process_view), not a bare 400."""
    view.keeps_typing = True
    return view


# What a 503 says, by cause. Nothing was saved: the citizen must know to try again.
UNAVAILABLE = {
    "database": (
        "系统正在维护或暂时繁忙，您刚才的操作没有完成，填写的内容没有提交。"
        "请稍后（约一分钟）再试；急事请拨打 12345 政务服务便民热线。"
    ),
    "storage": (
        "服务器存储空间暂时不足，照片和材料无法保存，您这次提交没有成功，也没有留下任何记录。"
        "请稍后再试，或先不带照片提交；急事请拨打 12345 政务服务便民热线。"
    ),
}
RETRY_AFTER = {"database": 30, "storage": 300}
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def unavailable_reason(exc: BaseException | None) -> str | None:
    """ "database" when the database did not answer (restart, failover, connection lost),
    "storage" when the media disk is full; None for anything else (a real 500)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return "database"
        if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
            return "storage"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def unavailable_response(path: str, reason: str) -> HttpResponse:
    """A 503 in the format of the part of the site that was asked, with Retry-After.

    Renders without the database or a request context: whatever failed may be one of them."""
    message = UNAVAILABLE[reason]
    if path.startswith("/api/"):
        response = JsonResponse(
            {"code": "unavailable", "message": message, "fields": {}},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    elif path.startswith("/open311/"):
        from mashang.api.open311 import Open311Error, _error_response

        fmt = "json" if ".json" in path else "xml"
        response = _error_response(fmt, Open311Error(503, message))
    else:
        from django.template import loader

        html = loader.get_template("core/503.html").render({"message": message})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER[reason])
    add_never_cache_headers(response)
    return response


class ServiceUnavailable:
    """The database not answering (PostgreSQL restarting, a failover, a lost connection) or the
    media disk full become a clear 503 with Retry-After, never a traceback or a bare 500.

    Each view's writes are one transaction, so nothing half-written is left behind; Django
    drops the broken connection at the end of the request (and CONN_HEALTH_CHECKS checks a
    kept one before reuse), so the next request after the database is back just works.
    Exceptions raised outside the view (a middleware) reach `views.server_error`, which gives
    the same answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        reason = unavailable_reason(exception)
        if reason is None:
            return None
        log.warning(
            "503 %s unavailable: %s %s: %s", reason, request.method, request.path, exception
        )
        return unavailable_response(request.path, reason)
