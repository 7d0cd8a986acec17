"""One error shape for the whole JSON API: {"code": "...", "message": "中文", "fields": {...}}."""

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def install(api) -> None:
    from ninja.errors import AuthenticationError, HttpError, ValidationError

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return api.create_response(
            request,
            {"code": exc.code, "message": exc.message, "fields": exc.fields},
            status=exc.status,
        )

    @api.exception_handler(ValidationError)
    def _validation(request, exc: ValidationError):
        fields = {}
        for err in exc.errors:
            loc = [
                str(p)
                for p in err.get("loc", [])
                if p not in ("body", "form", "query", "path", "payload", "data")
            ]
            fields[".".join(loc) or "request"] = "缺少此项或格式不正确"
        return api.create_response(
            request, {"code": "invalid", "message": "请求参数不正确", "fields": fields}, status=400
        )

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        return api.create_response(
            request,
            {"code": "unauthorized", "message": "缺少或无效的访问令牌", "fields": {}},
            status=401,
        )

    @api.exception_handler(HttpError)
    def _http(request, exc: HttpError):
        return api.create_response(
            request, {"code": "error", "message": str(exc), "fields": {}}, status=exc.status_code
        )
