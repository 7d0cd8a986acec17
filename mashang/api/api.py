"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from . import errors
from .intake import router as intake_router
from .staff import router as staff_router  # also adds GET /appeals to intake_router

api = NinjaAPI(
    title="码上办 API",
    version="1",
    description="衡南县码上办：诉求提交与办理接口。错误统一为 {code, message, fields}。",
    urls_namespace="api",
)
errors.install(api)
api.add_router("/", intake_router)
api.add_router("/", staff_router)
