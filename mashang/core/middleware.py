from django.http import HttpResponseBadRequest, JsonResponse


class RejectNulBytes:
    """Refuse form fields, query strings and JSON bodies holding NUL characters.

    PostgreSQL cannot store them (SQLite can): without this a crafted request is a 500 on one
    database and not the other. Uploaded files are binary and not inspected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    MESSAGE = "请求包含无效字符。"

    def __call__(self, request):
        if self._has_nul(request):
            return self._refuse(request.path)
        return self.get_response(request)

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
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            if request.content_type == "application/json":
                body = request.body
                return b"\x00" in body or b"\\u0000" in body
            if any("\x00" in v for values in request.POST.lists() for v in values[1]):
                return True
        return False
