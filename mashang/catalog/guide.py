"""办事指南: the public guide to the catalogue (no login, mobile first, works without JavaScript)."""

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from mashang.core.access import public_view
from mashang.directory.models import Unit

from .checklist import bundle_guide, item_checklist, version_for_guide
from .choices import TopicKind
from .models import Bundle, Topic
from .queries import published_items
from .search import search

MAX_QUERY = 40


def _active_bundles():
    return Bundle.objects.filter(is_active=True).order_by("sort_order", "id")


@public_view
@require_GET
def home(request):
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    context = {"q": q}
    if q:
        context["result"] = search(q)
    else:
        topics = list(Topic.objects.all())
        context.update(
            life=[t for t in topics if t.kind == TopicKind.LIFE],
            business=[t for t in topics if t.kind == TopicKind.BUSINESS],
            bundles=_active_bundles(),
        )
    return render(request, "catalog/guide/home.html", context)


@public_view
@require_GET
def topic(request, code):
    t = get_object_or_404(Topic, code=code)
    return render(
        request,
        "catalog/guide/list.html",
        {
            "heading": t.name,
            "bundles": _active_bundles().filter(topics=t),
            "items": published_items().filter(topics=t).order_by("name"),
        },
    )


@public_view
@require_GET
def units(request):
    rows = {}
    for item in published_items().order_by("unit__sort_order", "unit_id"):
        rows.setdefault(item.unit_id, [item.unit, 0])[1] += 1
    return render(request, "catalog/guide/units.html", {"units": list(rows.values())})


@public_view
@require_GET
def unit(request, pk):
    u = get_object_or_404(Unit, pk=pk)
    items = published_items().filter(unit=u).order_by("name")
    if not items.exists():
        raise Http404
    return render(
        request,
        "catalog/guide/list.html",
        {"heading": u.name, "bundles": _active_bundles().filter(lead_unit=u), "items": items},
    )


def _item_context(request, code):
    version = version_for_guide(code)
    if version is None:
        raise Http404
    return {
        "version": version,
        "item": version.item,
        "checklist": item_checklist(version, request.GET),
    }


def _bundle_context(request, code):
    bundle = get_object_or_404(
        Bundle.objects.select_related("lead_unit"), code=code, is_active=True
    )
    guide = bundle_guide(bundle, request.GET)
    fees = [v for v in guide.view.versions if v.fee_charged]
    return {"bundle": bundle, "guide": guide, "checklist": guide.checklist, "fees": fees}


def _apply_link(kind: str, code: str, checklist) -> str:
    """网上申请, carrying the 情形 answered here: the form asks only what applies."""
    answers = [(q.key, v) for q in checklist.questions for v in sorted(q.chosen)]
    url = reverse("apply", args=[kind, code])
    return f"{url}?{urlencode(answers)}" if answers else url


def _pdf_link(request, name, code) -> str:
    url = reverse(name, args=[code])
    return f"{url}?{request.GET.urlencode()}" if request.GET else url


@public_view
@require_GET
def item(request, code):
    context = _item_context(request, code)
    context["pdf_url"] = _pdf_link(request, "guide_item_pdf", code)
    context["apply_url"] = _apply_link("item", code, context["checklist"])
    return render(request, "catalog/guide/item.html", context)


@public_view
@require_GET
def bundle(request, code):
    context = _bundle_context(request, code)
    context["pdf_url"] = _pdf_link(request, "guide_bundle_pdf", code)
    context["apply_url"] = _apply_link("bundle", code, context["checklist"])
    return render(request, "catalog/guide/bundle.html", context)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@public_view
@require_GET
def item_pdf(request, code):
    from .pdf_guide import item_pdf as render_pdf

    context = _item_context(request, code)
    url = request.build_absolute_uri(_pdf_link(request, "guide_item", code))
    return _pdf_response(render_pdf(context["version"], context["checklist"], url), f"{code}.pdf")


@public_view
@require_GET
def bundle_pdf(request, code):
    from .pdf_guide import bundle_pdf as render_pdf

    context = _bundle_context(request, code)
    url = request.build_absolute_uri(_pdf_link(request, "guide_bundle", code))
    return _pdf_response(render_pdf(context["bundle"], context["guide"], url), f"{code}.pdf")
