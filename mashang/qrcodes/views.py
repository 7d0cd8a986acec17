"""Staff pages for QR placements: list, print (PDF / PNG zip), retire and reissue."""

import io

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from mashang.core.access import staff_view
from mashang.core.audit import audit
from mashang.core.nav import nav_for
from mashang.directory.choices import Role

from . import posters
from .actions import PlacementError, reissue_placement, retire_placement
from .choices import PlacementStatus, QRKind
from .queries import filter_placements, placements_for

VIEWERS = (Role.ADMIN, Role.DISPATCHER, Role.SUPERVISOR, Role.UNIT_LEADER)
MAX_PRINT = 5000


def _filtered(request):
    return filter_placements(
        placements_for(request.user),
        division_code=request.GET.get("division", "").strip(),
        kind=request.GET.get("kind", ""),
        status=request.GET.get("status", ""),
    )


@staff_view(*VIEWERS)
def placement_list(request):
    qs, division = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "qrcodes/list.html",
        {
            "nav": nav_for(request.user),
            "page": page,
            "division": division,
            "kinds": QRKind.choices,
            "statuses": PlacementStatus.choices,
            "params": request.GET,
            "query": query.urlencode(),
            "font": posters.font_status(),
            "can_manage": request.user.has_role(Role.ADMIN),
        },
    )


def _printable(request):
    qs, division = _filtered(request)
    if not request.GET.get("status"):
        qs = qs.filter(status=PlacementStatus.ACTIVE)
    count = qs.count()
    if count == 0:
        raise Http404("没有可打印的二维码")
    if count > MAX_PRINT:
        raise Http404("一次最多打印 5000 张，请按乡镇分批")
    label = division.code if division else "all"
    return qs, count, label


@staff_view(*VIEWERS)
def posters_pdf(request):
    qs, count, label = _printable(request)
    size = "A5" if request.GET.get("size") == "A5" else "A4"
    buf = io.BytesIO()
    posters.write_posters_pdf(qs, buf, size=size)
    buf.seek(0)
    audit(
        "posters_printed", actor=request.user, request=request, detail=f"{label} {size} {count} 张"
    )
    name = f"码上办海报-{label}-{size}-{timezone.localdate():%Y%m%d}.pdf"
    return FileResponse(buf, as_attachment=True, filename=name, content_type="application/pdf")


@staff_view(*VIEWERS)
def posters_zip(request):
    qs, count, label = _printable(request)
    buf = io.BytesIO()
    posters.write_png_zip(qs, buf)
    buf.seek(0)
    audit("posters_png", actor=request.user, request=request, detail=f"{label} {count} 张")
    return FileResponse(
        buf,
        as_attachment=True,
        content_type="application/zip",
        filename=f"码上办二维码-{label}-{timezone.localdate():%Y%m%d}.zip",
    )


def _safe_next(target: str, request) -> str:
    """The list the admin came from; never another site."""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("placement_list")


def _back(request):
    return redirect(_safe_next(request.POST.get("next", ""), request))


def _managed(request, pk):
    placement = placements_for(request.user).filter(pk=pk).first()
    if placement is None:
        raise Http404("没有找到这个二维码")
    return placement


CONFIRM = {
    "retire": ("停用二维码", "停用后，群众扫这张海报会看到“此码已停用”；已提交的诉求不受影响。"),
    "reissue": (
        "换发二维码",
        "换发会停用旧码并生成新码；旧海报扫码显示“此码已停用”，请打印新海报替换。",
    ),
}


def _confirmed(request, placement, action: str):
    """GET shows what will happen and asks for a reason; POST needs both reason and
    confirmation. Returns the reason, or the page to show instead."""
    reason = request.POST.get("reason", "").strip()[:120]
    error = ""
    if request.method == "POST":
        if len(reason) < 2:
            error = "请填写原因（至少2个字）"
        elif request.POST.get("confirm") != "1":
            error = "请勾选确认"
        else:
            return reason, None
    title, consequence = CONFIRM[action]
    page = render(
        request,
        "qrcodes/confirm.html",
        {
            "nav": nav_for(request.user),
            "placement": placement,
            "action": action,
            "title": title,
            "consequence": consequence,
            "reason": reason,
            "error": error,
            "next": _safe_next(request.POST.get("next") or request.GET.get("next", ""), request),
        },
        status=400 if error else 200,
    )
    return "", page


@staff_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def placement_retire(request, pk: int):
    placement = _managed(request, pk)
    reason, page = _confirmed(request, placement, "retire")
    if page is not None:
        return page
    try:
        retire_placement(placement, reason, acting_user=request.user)
        messages.success(request, f"已停用：{placement}")
    except PlacementError as exc:
        messages.error(request, str(exc))
    return _back(request)


@staff_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def placement_reissue(request, pk: int):
    placement = _managed(request, pk)
    reason, page = _confirmed(request, placement, "reissue")
    if page is not None:
        return page
    try:
        new = reissue_placement(placement, acting_user=request.user, reason=reason)
        messages.success(request, f"已换发新码，新手动输入码 {new.manual_code}，请打印张贴。")
    except PlacementError as exc:
        messages.error(request, str(exc))
    return _back(request)


@staff_view(*VIEWERS)
def placement_qr(request, pk: int):
    """The placement's QR code as SVG, for the list (the poster prints the same address)."""
    placement = placements_for(request.user).filter(pk=pk).first()
    if placement is None:
        raise Http404("没有找到这个二维码")
    svg = io.BytesIO()
    segno.make(posters.placement_url(placement), error="m").save(
        svg, kind="svg", scale=2, border=2, xmldecl=False
    )
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response
