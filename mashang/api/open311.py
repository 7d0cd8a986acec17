"""Open311 GeoReport v2 at /open311/v2/: partner systems file appeals and read their status.

The format is the extension (`.xml`, which the specification requires, or `.json`); lists are
bare JSON arrays, errors are `<errors><error><code/><description/></error></errors>` (JSON: a
bare array), dates are ISO 8601 with +08:00. Decisions, where the specification leaves room:

- **Services** are the four public appeal types (咨询, 求助, 投诉, 建议). 检举控告 is never
  listed, returned, filed or counted here: its code is an unknown service (404), its numbers
  are unknown requests (404), and a filter on it matches nothing.
- **Place.** An Open311 request has no poster, so its place is a division of the county, taken
  from `attribute[division]` (a code from the service definition: the county itself or one of
  its townships; a village or hamlet code below them is accepted too), else from `address_id`
  (the same codes), else from a township (and village) named in `address_string`. `lat`/`long`
  alone are refused: we keep no map to place a point in a township. `address_string` is kept
  as the appeal's place description.
- **Addressee.** `attribute[qr_kind]` (optional) says which poster the citizen would have used:
  书记（镇长）码 addresses the township's government, 找县长 / 找县委书记 the leader's office,
  which then sees the appeal as if filed from its poster. Without it the desk dispatches as
  usual.
- **Status.** `open`: 待分拨, 已派单, 办理中. `closed` ("resolved" in the specification):
  已办结 (answered; a 重办 opens it again), 已回访, 无效, 已合并. `status_notes` is the latest
  text of the public timeline the citizen sees on /track, never an internal note or a name of
  staff (a merged request's: the request it joined and that one's progress now);
  `agency_responsible` is the lead unit; `expected_datetime` the completion deadline.
- **Filing.** POST needs the `api_key` of an active partner system of this jurisdiction
  (issued in the admin or with `manage.py partnerkey`), from the form body or the query string,
  as `jurisdiction_id` and `attribute[…]` may be. The partner verified its caller, so there is
  no SMS code round trip; everything else is the form's (`intake.start_trusted_intake`): the
  same validation, the same per-phone limit across channels, the partner's hourly limit in
  place of the per-IP one, the same number, first event, deadlines and receipt SMS (with the
  query code, which the partner never sees). Every service is `realtime`: POST answers the
  `service_request_id`; `tokens/{token}` resolves the filing token kept with each request.
- **Privacy.** Reads need no key, as the specification says, but the citizen's own words
  (`description`) and the place detail in `address` are returned only to the partner that
  filed the request, when it sends its `api_key` along.
- **Errors.** 400, 403 (missing, invalid, revoked key or a key of another jurisdiction) and 404
  (unknown resource, service, request or jurisdiction) as the specification says; beyond it,
  429 with Retry-After when a rate limit trips and 405 for another HTTP method.
"""

import json
import re
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from functools import wraps
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from mashang.appeals import intake
from mashang.appeals.choices import AppealStatus, AppealType, Channel
from mashang.appeals.models import Appeal, AppealEvent, joined_place
from mashang.core.access import public_view
from mashang.core.audit import client_ip
from mashang.core.ratelimit import RateLimited, check
from mashang.directory.choices import DivisionLevel
from mashang.directory.models import Division, Position
from mashang.qrcodes.choices import KIND_TITLES, QRKind

from .models import PartnerRequest, PartnerSystem, county_code

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00+08:00"  # when these endpoints last changed (discovery)
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_RESULTS = 1000  # the specification's default volume: 90 days or 1000 requests
MAX_SPAN = timedelta(days=90)
YEARS = (1900, 2999)  # dates outside are refused, not searched
READ_LIMIT = (120, 60)
DESCRIPTION_MAX = 4000  # the specification's limit for `description`
MEDIA_URL_MAX = 1000  # calls per client address and minute, on every endpoint

OPEN = frozenset({AppealStatus.PENDING_DISPATCH, AppealStatus.DISPATCHED, AppealStatus.ACCEPTED})
CLOSED = frozenset(
    {AppealStatus.COMPLETED, AppealStatus.CLOSED, AppealStatus.INVALID, AppealStatus.MERGED}
)

# The public appeal types, in the order people think of them; never 检举控告.
SERVICES = {
    AppealType.CONSULT: ("对政策、办事流程等的咨询", "咨询,政策,办事"),
    AppealType.HELP: ("生活困难、突发困境等需要帮助的事项", "求助,困难,帮助"),
    AppealType.COMPLAINT: ("对单位、工作人员或环境、秩序等问题的投诉", "投诉,环境,秩序"),
    AppealType.SUGGESTION: ("对政府工作的意见和建议", "建议,意见"),
}
SERVICE_GROUP = "群众诉求"
KINDS = [QRKind.TOWNSHIP, QRKind.COUNTY_MAYOR, QRKind.COUNTY_SECRETARY]

# The JSON key of each XML list element's children (the Spark convention, read backwards).
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# Characters XML 1.0 cannot carry at all, even escaped: dropped so the output stays well-formed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
ATTRIBUTE = re.compile(r"^attribute\[(\w+)\](?:\[\])?$")
# Which Open311 parameter carries each field the intake checks.
PARAMS = {
    "type": "service_code",
    "content": "description",
    "place_description": "address_string",
    "name": "last_name、first_name",
    "phone": "phone",
}


class Open311Error(Exception):
    """An HTTP status and one or more descriptions (the specification's error array)."""

    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__("; ".join(descriptions))
        self.status, self.descriptions, self.headers = status, descriptions, headers or {}


# ---- rendering ---------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _element(tag: str, value) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            node.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            node.append(_element(ITEMS[tag], child))
    elif value is not None:
        node.text = _text(value)
    return node


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """`data` as JSON as it is, or as XML under `root` (lists as repeated child elements)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        tree = ET.tostring(_element(root, data), encoding="unicode")
        body = ('<?xml version="1.0" encoding="utf-8"?>\n' + tree).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _error_response(fmt: str, exc: Open311Error) -> HttpResponse:
    errors = [{"code": exc.status, "description": d} for d in exc.descriptions]
    response = render(fmt, "errors", errors, status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# ---- parameters --------------------------------------------------------------------------


def _param(request, name: str) -> str:
    """A parameter from the form body, else the query string (old clients put `api_key` and
    `jurisdiction_id` there even on POST). Empty means not given."""
    value = request.POST.get(name) if request.method == "POST" else None
    return (value or request.GET.get(name) or "").strip()


def _attributes(request) -> dict[str, str]:
    found: dict[str, str] = {}
    for source in (request.GET, request.POST if request.method == "POST" else {}):
        for key in source:
            match = ATTRIBUTE.match(key)
            if match and source.get(key, "").strip():
                found[match.group(1)] = source.get(key).strip()
    return found


def _csv(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _when(name: str, raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = datetime.combine(day, time.min)  # the w3 "complete date": from midnight
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(400, f"{name} 格式不正确，应为 ISO 8601，如 2026-11-01T00:00:00+08:00")
    if not YEARS[0] <= value.year <= YEARS[1]:
        # Year 1 or 9999 would overflow on the way to UTC or past the 90-day window.
        raise Open311Error(400, f"{name} 超出范围（{YEARS[0]}—{YEARS[1]}年）")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # no offset: 衡南县 local time
    return value


def _range(request) -> tuple[datetime, datetime]:
    """The specification's window: at most 90 days, the latest 90 when no date is given."""
    start = _when("start_date", _param(request, "start_date"))
    end = _when("end_date", _param(request, "end_date"))
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date 不能早于 start_date")
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date 到 end_date 不能超过90天")
        return start, end
    if start:
        return start, start + MAX_SPAN
    end = end or timezone.now()
    return end - MAX_SPAN, end


# ---- the endpoint wrapper ----------------------------------------------------------------


def _check_jurisdiction(request) -> None:
    given = _param(request, "jurisdiction_id")
    if given and given != county_code():
        raise Open311Error(404, f"jurisdiction_id 不存在：本接口只服务衡南县（{county_code()}）")


def _partner(request, *, required: bool) -> PartnerSystem | None:
    """The partner whose `api_key` came with the request, or None if none came and none is
    required. 403 for a missing (when required), wrong or revoked key, and for a key issued for
    another jurisdiction."""
    key = _param(request, "api_key")
    if not key:
        if required:
            raise Open311Error(403, "缺少 api_key：请向衡南县码上办系统管理员申请接口密钥")
        return None
    partner = PartnerSystem.for_key(key)
    if partner is None:
        raise Open311Error(403, "api_key 无效或已吊销")
    if partner.jurisdiction_id != county_code():
        raise Open311Error(403, f"此 api_key 不适用于本辖区（{county_code()} 衡南县）")
    return partner


def endpoint(*methods: str):
    """Public (partner) view: method, jurisdiction and rate checks, errors in the format asked."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, fmt: str = "xml", **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(
                        405, "不支持此请求方法", headers={"Allow": ", ".join(methods)}
                    )
                limit, window = READ_LIMIT
                try:
                    check(
                        [(f"open311:ip:{client_ip(request) or 'unknown'}", limit, window)],
                        "请求太频繁了，请稍后再试",
                    )
                except RateLimited as exc:
                    raise Open311Error(429, exc.message, headers={"Retry-After": "60"}) from exc
                _check_jurisdiction(request)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return _error_response(fmt, exc)

        return public_view(csrf_exempt(wrapped))

    return decorator


# ---- services ----------------------------------------------------------------------------


def _service(code: str) -> dict:
    description, keywords = SERVICES[code]
    return {
        "service_code": str(code),
        "service_name": AppealType(code).label,
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": keywords,
        "group": SERVICE_GROUP,
    }


def _county() -> Division | None:
    return Division.objects.filter(code=county_code()).first()


@endpoint("GET")
def service_list(request, fmt):
    return render(fmt, "services", [_service(code) for code in SERVICES])


@endpoint("GET")
def service_definition(request, fmt, code):
    if code not in SERVICES:
        raise Open311Error(404, f"service_code 不存在：{code}")
    county = _county()
    places = []
    if county is not None:
        places.append({"key": county.code, "name": f"{county.name}（县级，不限乡镇）"})
        townships = Division.objects.subtree(county).filter(level=DivisionLevel.TOWNSHIP)
        places += [{"key": d.code, "name": d.name} for d in townships.order_by("code")]
    attributes = [
        {
            "variable": True,
            "code": "division",
            "datatype": "singlevaluelist",
            # POST also takes the place from address_id or address_string, so not required.
            "required": False,
            "datatype_description": "区划代码；也可填其下村（社区）的代码。未填时依次读 "
            "address_id、address_string（写明乡镇名称，或只写县名表示县级）",
            "order": 1,
            "description": "诉求事发地所在乡镇（街道）",
            "values": places,
        },
        {
            "variable": True,
            "code": "qr_kind",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "不填则由县诉求分拨中心分派",
            "order": 2,
            "description": "群众要找谁（对应码上办二维码的类型）",
            "values": [{"key": str(kind), "name": kind.label} for kind in KINDS],
        },
    ]
    return render(fmt, "service_definition", {"service_code": str(code), "attributes": attributes})


# ---- requests ----------------------------------------------------------------------------


def _requests():
    latest_note = (
        AppealEvent.objects.filter(appeal=OuterRef("pk"), is_public=True)
        .exclude(public_text="")
        .order_by("-at", "-id")
        .values("public_text")[:1]
    )
    return (
        Appeal.objects.not_accusations()
        .filter(status__in=OPEN | CLOSED)
        .select_related("division", "lead_unit")
        .annotate(status_note=Subquery(latest_note))
    )


def _place_names(appeals: list[Appeal]) -> dict[str, str]:
    """Division code → name for every division on the rows' paths, in one query."""
    codes = {code for a in appeals for code in a.division.path.split("/") if code}
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


def _address(appeal: Appeal, names: dict[str, str], mine: bool) -> str:
    codes = [c for c in appeal.division.path.split("/") if c]
    county = county_code()
    below = codes[codes.index(county) :] if county in codes else codes[-1:]
    parts = [names.get(code, "") for code in below]
    return joined_place(parts, appeal.place_description if mine else "")


def _request_row(appeal: Appeal, names: dict[str, str], mine: bool, media: dict) -> dict:
    closed = appeal.status in CLOSED
    # For a closed request the specification wants the time it was closed.
    updated = (appeal.closed_at or appeal.completed_at) if closed else None
    return {
        "service_request_id": appeal.number,
        "status": "closed" if closed else "open",
        "status_notes": appeal.status_note or None,
        "service_name": AppealType(appeal.type).label,
        "service_code": appeal.type,
        "description": appeal.content if mine else None,
        "agency_responsible": appeal.lead_unit.name if appeal.lead_unit else None,
        "service_notice": None,
        "requested_datetime": _iso(appeal.received_at),
        "updated_datetime": _iso(updated or appeal.updated_at),
        "expected_datetime": _iso(appeal.complete_due_at),
        "address": _address(appeal, names, mine),
        "address_id": appeal.division.code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": (media.get(appeal.pk) or None) if mine else None,
    }


def _rows(partner: PartnerSystem | None, appeals: list[Appeal]) -> list[dict]:
    own: dict[int, str] = {}
    if partner is not None and appeals:
        own = dict(
            PartnerRequest.objects.filter(
                partner=partner, appeal_id__in=[a.pk for a in appeals]
            ).values_list("appeal_id", "media_url")
        )
    names = _place_names(appeals)
    _follow_merges(appeals)
    return [_request_row(a, names, a.pk in own, own) for a in appeals]


def _follow_merges(appeals: list[Appeal]) -> None:
    """A merged request's note says which request it joined and that one's progress now (its
    own note froze at the merge); one query for all. An original outside this API (never the
    case: accusations are not merged) leaves only "已合并"."""
    ids = {a.merged_into_id for a in appeals if a.status == AppealStatus.MERGED}
    ids.discard(None)
    if not ids:
        return
    originals = (
        Appeal.objects.not_accusations()
        .filter(status__in=OPEN | CLOSED)
        .only("number", "status", "result_text")
        .in_bulk(ids)
    )
    for a in appeals:
        if a.status == AppealStatus.MERGED:
            original = originals.get(a.merged_into_id)
            a.status_note = original.merged_text()[:300] if original else "已合并"


def _search(request) -> list[Appeal]:
    qs = _requests()
    numbers = _csv(_param(request, "service_request_id"))
    if numbers:  # the specification: this overrides every other argument
        return list(qs.filter(number__in=numbers[:MAX_RESULTS]).order_by("-received_at", "-id"))
    codes = _csv(_param(request, "service_code"))
    if codes:
        qs = qs.filter(type__in=[c for c in codes if c in SERVICES])  # unknown: matches nothing
    statuses = set(_csv(_param(request, "status")))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed（可用逗号分隔）")
    if statuses == {"open"}:
        qs = qs.filter(status__in=OPEN)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED)
    start, end = _range(request)
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    return list(qs.order_by("-received_at", "-id")[:MAX_RESULTS])


@endpoint("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    partner = _partner(request, required=False)
    return render(fmt, "service_requests", _rows(partner, _search(request)))


@endpoint("GET")
def service_request(request, fmt, number):
    partner = _partner(request, required=False)
    appeal = _requests().filter(number=number).first()
    if appeal is None:
        raise Open311Error(404, f"service_request_id 不存在：{number}")
    return render(fmt, "service_requests", _rows(partner, [appeal]))


@endpoint("GET")
def token_lookup(request, fmt, token):
    number = (
        _requests()
        .filter(channel=Channel.OPEN311, submission_token=token)
        .values_list("number", flat=True)
        .first()
    )
    if number is None:
        raise Open311Error(404, "token 不存在")
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token}])


# ---- filing ------------------------------------------------------------------------------


def _division(request, attributes: dict[str, str]) -> Division:
    code = attributes.get("division") or _param(request, "address_id")
    if code:
        # The county's subtree without reading the county first: its code is on every path
        # below it (one query where there were two).
        division = Division.objects.filter(code=code, path__contains=f"/{county_code()}/").first()
        if division is None:
            if _county() is None:
                raise Open311Error(400, "本县区划尚未配置，暂不能受理")
            raise Open311Error(400, f"attribute[division] 不是本县的区划代码：{code}")
        return division
    county = _county()
    if county is None:
        raise Open311Error(400, "本县区划尚未配置，暂不能受理")
    division = _division_named(county, _param(request, "address_string"))
    if division is None:
        raise Open311Error(
            400,
            "请用 attribute[division] 给出事发乡镇（街道）的区划代码"
            "（见 services/{service_code} 的取值），或在 address_string 中写明乡镇名称",
        )
    return division


def _division_named(county: Division, text: str) -> Division | None:
    """The one township named in the address (and the one village of it named too, if any)."""
    if not text:
        return None
    townships = Division.objects.subtree(county).filter(level=DivisionLevel.TOWNSHIP)
    named = [d for d in townships if d.name in text]
    if not named and county.name in text:
        return county  # the county alone: a county-level matter
    if len(named) != 1:
        return None
    villages = [
        d
        for d in Division.objects.filter(parent=named[0], level=DivisionLevel.VILLAGE)
        if d.name in text
    ]
    return villages[0] if len(villages) == 1 else named[0]


def _media_url(raw: str) -> str:
    """A link to the citizen's photo on the partner's side, kept for staff to open: never
    fetched by this server (no request to an address a caller chose)."""
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(raw) > MEDIA_URL_MAX:
        raise Open311Error(400, f"media_url 应为 http(s) 网址，不超过{MEDIA_URL_MAX}个字符")
    return raw


def _addressee(kind: str, division: Division):
    """The unit a 书记（镇长）/找县长/找县委书记 request speaks to, as its poster would."""
    if not kind:
        return "", None
    if kind not in KINDS:
        raise Open311Error(400, f"attribute[qr_kind] 取值不正确：{kind}")
    positions = Position.objects.filter(
        title__in=KIND_TITLES[kind], unit__is_active=True
    ).select_related("unit")
    if kind == QRKind.TOWNSHIP:
        township = (
            division
            if division.level == DivisionLevel.TOWNSHIP
            else division.ancestor_at(DivisionLevel.TOWNSHIP)
        )
        if township is None:
            raise Open311Error(400, "选择书记（镇长）码时，attribute[division] 须是乡镇或其下的村")
        positions = positions.filter(unit__division=township)
    position = positions.order_by("id").first()
    return kind, position.unit if position else None


def _create(request, fmt):
    partner = _partner(request, required=True)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, "缺少 service_code")
    if code not in SERVICES:
        raise Open311Error(404, f"service_code 不存在：{code}")
    media_url = _media_url(_param(request, "media_url"))
    attributes = _attributes(request)
    division = _division(request, attributes)
    kind, addressee = _addressee(attributes.get("qr_kind", ""), division)
    name = _param(request, "last_name") + _param(request, "first_name")  # 姓在前
    try:
        data = intake.validate_intake(
            type=code,
            content=_param(request, "description"),
            place_description=_param(request, "address_string"),
            name=name,
            phone=_param(request, "phone"),
            content_max=DESCRIPTION_MAX,
        )
        with transaction.atomic():
            result = intake.start_trusted_intake(
                data,
                division=division,
                token="o311-" + secrets.token_hex(16),
                source=str(partner.pk),
                source_limit=partner.hourly_limit,
                staff_note=(
                    f"{partner.name}提供的图片链接（本系统未下载，请核实后打开）： {media_url}"
                    if media_url
                    else ""
                ),
                kind=kind,
                addressee_unit=addressee,
            )
            appeal = result.appeal
            PartnerRequest.objects.create(partner=partner, appeal=appeal, media_url=media_url)
    except intake.IntakeError as exc:
        raise Open311Error(
            400, *(f"{PARAMS.get(f, f)}：{m}" for f, m in exc.errors.items())
        ) from exc
    except RateLimited as exc:
        raise Open311Error(429, exc.message, headers={"Retry-After": "3600"}) from exc
    partner.mark_used()  # after the commit: no filing waits on the partner's row
    notice = (
        f"已登记为{AppealType(code).label}诉求，受理编号 {appeal.number}。"
        "群众将收到含查询码的短信回执，县诉求分拨中心将分派承办单位。"
    )
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": appeal.number, "service_notice": notice, "account_id": None}],
    )


# ---- discovery and the rest --------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt):
    from django.conf import settings

    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": "衡南县码上办（县诉求分拨中心）",
            "key_service": "接口密钥（api_key）由衡南县码上办系统管理员在管理后台为对接系统签发",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": f"{settings.SITE_URL}/open311/v2",
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@public_view
@csrf_exempt
def not_found(request, path=""):
    fmt = "json" if path.endswith(".json") else "xml"
    return _error_response(fmt, Open311Error(404, "没有这个接口：格式为 资源.xml 或 资源.json"))
