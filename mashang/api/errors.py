"""One error shape for the whole JSON API: {"code": "...", "message": "中文", "fields": {...}}."""

from ninja import Schema
from pydantic import Field

# What each documented status means here; `responses()` puts them in the OpenAPI file.
MEANINGS = {
    400: "请求参数不正确（code: invalid），fields 逐项说明",
    401: "缺少或无效的访问令牌（code: unauthorized）",
    404: "没有找到，或您无权查看（code: not_found 等）",
    409: "当前状态不允许此操作，或重复提交（code: not_allowed / duplicate）",
    410: "二维码已停用（code: retired_code）",
    429: "请求太频繁（code: rate_limited），稍后再试",
}


# The message of a request that does not match the OpenAPI schema (ninja's validation).
SCHEMA_MISMATCH = "请求参数不正确"


class ErrorOut(Schema):
    code: str = Field(description="机器可读的错误代码，如 invalid、not_found、rate_limited")
    message: str = Field(description="给人看的中文说明")
    fields: dict[str, str] = Field(default={}, description="出错的参数 → 中文说明")


def responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses of an endpoint, each in the one shape."""
    return {status: ErrorOut for status in statuses}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def install(api) -> None:
    from django.http import Http404
    from ninja.errors import AuthenticationError, HttpError, ValidationError

    def reply(request, status: int, code: str, message: str, fields: dict | None = None):
        return api.create_response(
            request, {"code": code, "message": message, "fields": fields or {}}, status=status
        )

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return reply(request, exc.status, exc.code, exc.message, exc.fields)

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
        return reply(request, 400, "invalid", SCHEMA_MISMATCH, fields)

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        return reply(request, 401, "unauthorized", "缺少或无效的访问令牌")

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        # ninja's own answer would be {"detail": "Not Found"}: not our shape.
        return reply(request, 404, "not_found", "没有找到")

    @api.exception_handler(HttpError)
    def _http(request, exc: HttpError):
        return reply(request, exc.status_code, "error", str(exc))
