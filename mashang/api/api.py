"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from mashang.catalog.api import router as catalog_router

from . import errors
from .catalog_search import router as catalog_search_router
from .intake import router as intake_router
from .staff import router as staff_router  # also adds GET /appeals to intake_router


class Api(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Say what each error status means here (ninja writes only "Bad Request" etc.)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) in errors.MEANINGS:
                        response["description"] = errors.MEANINGS[int(status)]
        return schema


api = Api(
    title="码上办 API",
    version="1",
    description=(
        "衡南县码上办：诉求提交与办理接口。所有错误同一形状：{code, message, fields}，"
        "message 为中文。工作人员接口用 `Authorization: Bearer <令牌>`（`manage.py apitoken` "
        "签发，管理后台可吊销），每个令牌每分钟最多 120 次请求。列表分页：page、page_size。"
        "对接系统（12345 热线等）请用 Open311 GeoReport v2 接口：/open311/v2/discovery.xml。"
    ),
    urls_namespace="api",
)
errors.install(api)
api.add_router("/", intake_router)
api.add_router("/", staff_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/", catalog_search_router)
# Applications register their own routers (the API knows no application).
from mashang.applications.api import router as applications_router  # noqa: E402
from mashang.applications.api import staff as applications_staff_router  # noqa: E402

api.add_router("/", applications_router)
api.add_router("/", applications_staff_router)
