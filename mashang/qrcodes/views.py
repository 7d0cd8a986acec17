"""Staff pages for QR placements: list, print (PDF / PNG zip), retire and reissue."""

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

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


def _back(request):
    """Back to the list the admin came from; never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("placement_list")


def _managed(request, pk):
    placement = placements_for(request.user).filter(pk=pk).first()
    if placement is None:
        raise Http404("没有找到这个二维码")
    return placement


@staff_view(Role.ADMIN)
@require_POST
def placement_retire(request, pk: int):
    placement = _managed(request, pk)
    reason = request.POST.get("reason", "").strip() or "管理员停用"
    try:
        retire_placement(placement, reason, acting_user=request.user)
        messages.success(request, f"已停用：{placement}")
    except PlacementError as exc:
        messages.error(request, str(exc))
    return _back(request)


@staff_view(Role.ADMIN)
@require_POST
def placement_reissue(request, pk: int):
    placement = _managed(request, pk)
    try:
        new = reissue_placement(placement, acting_user=request.user)
        messages.success(request, f"已换发新码，新手动输入码 {new.manual_code}，请打印张贴。")
    except PlacementError as exc:
        messages.error(request, str(exc))
    return _back(request)
