"""GET /api/v1/catalog/search: the 办事指南 search, public and read-only, limited per address."""

from django.urls import reverse
from ninja import Field, Query, Router, Schema

from mashang.catalog.search import BUNDLE, search
from mashang.core.audit import client_ip
from mashang.core.ratelimit import RateLimited, check

from .errors import ApiError, ErrorOut

router = Router(tags=["办事指南"])

# Per client address: plenty for a person or a partner page, not for scraping in a loop.
SEARCH_LIMIT = 60
SEARCH_WINDOW = 60


class SearchIn(Schema):
    q: str = Field(min_length=1, max_length=40, description="要办的事，大白话、拼音首字母都可以")
    limit: int = Field(20, ge=1, le=50, description="最多返回几条")


class SearchHit(Schema):
    kind: str = Field(description="bundle（一件事）或 item（事项）")
    kind_label: str = Field(description="一件事 或 事项")
    code: str = Field(description="一件事代码或事项实施编码")
    name: str
    unit: str = Field(description="实施单位（一件事为牵头单位）")
    url: str = Field(description="办事指南页面地址")
    score: float = Field(description="相关度，越大越相关（只用于排序）")


class SearchOut(Schema):
    query: str
    notes: list[str] = Field(description="查询是怎样理解的：同义词、纠错、拼音")
    results: list[SearchHit] = Field(description="与办事指南页面的顺序相同，一件事和事项一起排")


@router.get(
    "/catalog/search",
    response={200: SearchOut, 400: ErrorOut, 429: ErrorOut},
    summary="搜索办事指南（一件事和事项一起排序，公开、只读）",
    auth=None,
)
def catalog_search(request, params: Query[SearchIn]):
    try:
        check(
            [(f"catalog-search:{client_ip(request)}", SEARCH_LIMIT, SEARCH_WINDOW)],
            "搜索太频繁了，请一分钟后再试",
        )
    except RateLimited as exc:
        raise ApiError(429, "rate_limited", exc.message) from exc
    result = search(params.q, params.limit)
    return SearchOut(
        query=result.query,
        notes=result.notes,
        results=[
            SearchHit(
                kind=h.kind,
                kind_label=h.doc.kind_label,
                code=h.doc.key,
                name=h.name,
                unit=h.doc.unit,
                url=reverse("guide_bundle" if h.kind == BUNDLE else "guide_item", args=[h.doc.key]),
                score=round(h.score, 2),
            )
            for h in result.hits
        ],
    )
