import secrets

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers


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
