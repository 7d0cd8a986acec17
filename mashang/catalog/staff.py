"""Staff pages of the catalogue (事项管理员): items, drafts, diffs, publication, bundles, Excel.

Who sees what is decided in `queries.items_for(user)`; every write is an action.
"""

import io
from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role
from mashang.directory.models import Unit

from . import actions, excel
from .choices import HandlingLevel, ItemKind, MaterialForm, MaterialSource, StepKind, VersionStatus
from .models import Bundle, CaseOption, Item, ItemVersion, MaterialType
from .queries import (
    AGGREGATION_RULE,
    bundle_views,
    current_versions,
    items_for,
    today,
    version_detail_qs,
)
from .versions import SCALAR_FIELDS, diff
from .workflow import CatalogError, manages_all, may_manage_item

CATALOG = (Role.CATALOG_ADMIN, Role.ADMIN)


def _ctx(request, **extra) -> dict:
    return {"nav": nav_for(request.user), **extra}


def _get_item(user, code: str) -> Item:
    item = items_for(user).filter(code=code).first()
    if item is None:
        raise Http404("没有这个事项，或不属于您管理的单位。")
    return item


def _get_version(item: Item, number: int) -> ItemVersion:
    version = version_detail_qs().filter(item=item, number=number).first()
    if version is None:
        raise Http404("没有这个版本。")
    return version


@staff_view(*CATALOG)
def item_list(request):
    qs = items_for(request.user).select_related("unit")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__contains=q))
    for name in ("level", "kind"):
        if request.GET.get(name):
            qs = qs.filter(**{name: request.GET[name]})
    if request.GET.get("unit", "").isdigit():
        qs = qs.filter(unit_id=int(request.GET["unit"]))
    if request.GET.get("draft") == "1":
        qs = qs.filter(versions__status=VersionStatus.DRAFT)
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    rows = list(page)
    current = current_versions(rows)
    drafts = set(
        ItemVersion.objects.filter(item__in=rows, status=VersionStatus.DRAFT).values_list(
            "item_id", flat=True
        )
    )
    query = request.GET.copy()
    query.pop("page", None)
    units = Unit.objects.filter(pk__in=items_for(request.user).values("unit_id"))
    return render(
        request,
        "catalog/staff/items.html",
        _ctx(
            request,
            page=page,
            rows=[(i, current.get(i.pk), i.pk in drafts) for i in rows],
            units=units,
            levels=HandlingLevel.choices,
            kinds=ItemKind.choices,
            params=request.GET,
            query=query.urlencode(),
            manages_all=manages_all(request.user),
        ),
    )


class NewItemForm(forms.Form):
    unit = forms.ModelChoiceField(label="实施单位", queryset=Unit.objects.none())
    code = forms.RegexField(
        label="实施编码",
        max_length=40,
        regex=r"^[0-9A-Za-z-]+$",
        error_messages={"invalid": "实施编码只能包含数字、字母和短横线"},
    )
    basic_code = forms.RegexField(
        label="基本编码",
        max_length=40,
        regex=r"^[0-9A-Za-z-]+$",
        error_messages={"invalid": "基本编码只能包含数字、字母和短横线"},
    )
    name = forms.CharField(label="事项名称", max_length=100)
    kind = forms.ChoiceField(label="事项类型", choices=ItemKind.choices)
    level = forms.ChoiceField(label="办理层级", choices=HandlingLevel.choices)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if manages_all(user):
            qs = Unit.objects.filter(division__level="county", is_active=True)
        else:
            qs = Unit.objects.filter(pk=user.unit_id)
        self.fields["unit"].queryset = qs


@staff_view(*CATALOG)
def item_new(request):
    form = NewItemForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.create_item(**form.cleaned_data, acting_user=request.user)
        except CatalogError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "事项已新增，请填写第1版草稿。")
            return redirect("catalog_draft_edit", code=version.item.code, number=1)
    return render(request, "catalog/staff/item_new.html", _ctx(request, form=form))


@staff_view(*CATALOG)
def item_detail(request, code: str):
    item = _get_item(request.user, code)
    versions = list(item.versions.select_related("published_by", "created_by").order_by("-number"))
    current = current_versions([item]).get(item.pk)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    events = item.events.select_related("actor", "version")[:50]
    return render(
        request,
        "catalog/staff/item.html",
        _ctx(
            request,
            item=item,
            versions=versions,
            current=current,
            draft=draft,
            events=events,
            can_manage=may_manage_item(request.user, item),
            today=today(),
        ),
    )


@staff_view(*CATALOG)
def version_detail(request, code: str, number: int):
    item = _get_item(request.user, code)
    version = _get_version(item, number)
    current = current_versions([item]).get(item.pk)
    return render(
        request,
        "catalog/staff/version.html",
        _ctx(request, item=item, version=version, current=current),
    )


class VersionForm(forms.ModelForm):
    class Meta:
        model = ItemVersion
        fields = [*SCALAR_FIELDS, "change_note"]
        widgets = {
            "conditions": forms.Textarea(attrs={"rows": 3}),
            "review_criteria": forms.Textarea(attrs={"rows": 2}),
        }


class LegalBasisForm(forms.Form):
    law = forms.CharField(label="法律法规名称", max_length=120)
    article = forms.CharField(label="条款", max_length=40, required=False)
    text = forms.CharField(
        label="条款内容", required=False, widget=forms.Textarea(attrs={"rows": 1})
    )


class StepForm(forms.Form):
    # A blank first choice: an untouched extra row then sends nothing new and is skipped.
    kind = forms.ChoiceField(label="环节类型", choices=[("", "—"), *StepKind.choices])
    name = forms.CharField(label="环节名称", max_length=40)
    limit_days = forms.IntegerField(label="时限（工作日）", min_value=0, max_value=365, initial=0)
    description = forms.CharField(label="办理要求", max_length=200, required=False)


class MaterialRowForm(forms.Form):
    type_code = forms.RegexField(
        label="材料类型代码",
        max_length=40,
        regex=r"^[-a-zA-Z0-9_]+$",
        error_messages={"invalid": "材料类型代码只能包含字母、数字、下划线和短横线"},
    )
    name = forms.CharField(label="材料名称", max_length=100)
    form = forms.ChoiceField(label="形式", choices=[("", "—"), *MaterialForm.choices])
    copies = forms.IntegerField(label="份数", min_value=1, max_value=99, initial=1)
    required = forms.BooleanField(label="必需", required=False, initial=True)
    may_be_missing = forms.BooleanField(label="可容缺", required=False)
    source = forms.ChoiceField(label="来源", choices=[("", "—"), *MaterialSource.choices])
    case_options = forms.ModelMultipleChoiceField(
        label="适用情形", queryset=CaseOption.objects.none(), required=False
    )
    note = forms.CharField(label="说明", max_length=200, required=False)


def _formset(form_class, prefix, data, initial, options=None):
    factory = forms.formset_factory(form_class, extra=2, can_delete=True)
    formset = factory(data, initial=initial, prefix=prefix)
    if options is not None:
        for f in formset.forms:
            f.fields["case_options"].queryset = options
    return formset


def _rows(formset) -> list[dict]:
    return [
        {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


@staff_view(*CATALOG)
def draft_edit(request, code: str, number: int):
    item = _get_item(request.user, code)
    version = _get_version(item, number)
    if version.status != VersionStatus.DRAFT:
        messages.error(request, "已发布的版本不能修改，请起草新版本。")
        return redirect("catalog_item", code=code)
    if not may_manage_item(request.user, item):
        raise Http404("不属于您管理的单位。")
    options = CaseOption.objects.filter(question__version=version)
    data = request.POST if request.method == "POST" else None
    form = VersionForm(data, instance=version)
    bases = _formset(
        LegalBasisForm,
        "bases",
        data,
        [{"law": b.law, "article": b.article, "text": b.text} for b in version.legal_bases.all()],
    )
    steps = _formset(
        StepForm,
        "steps",
        data,
        [
            {
                "kind": s.kind,
                "name": s.name,
                "limit_days": s.limit_days,
                "description": s.description,
            }
            for s in version.steps.all()
        ],
    )
    materials = _formset(
        MaterialRowForm,
        "materials",
        data,
        [
            {
                "type_code": m.material_type.code,
                "name": m.name,
                "form": m.form,
                "copies": m.copies,
                "required": m.required,
                "may_be_missing": m.may_be_missing,
                "source": m.source,
                "case_options": list(m.case_options.all()),
                "note": m.note,
            }
            for m in version.materials.all()
        ],
        options,
    )
    if data is not None and all(x.is_valid() for x in (form, bases, steps, materials)):
        material_rows = []
        for row in _rows(materials):
            code_ = row.pop("type_code")
            mtype = MaterialType.objects.filter(code=code_).first()
            if mtype is None:
                mtype = MaterialType(code=code_, name=row["name"])
            material_rows.append({"material_type": mtype, **row})
        try:
            for row in material_rows:
                if row["material_type"].pk is None:
                    row["material_type"].save()  # a new entry of the material dictionary
            actions.edit_draft(
                version,
                changes={name: form.cleaned_data[name] for name in form.Meta.fields},
                legal_bases=_rows(bases),
                steps=_rows(steps),
                materials=material_rows,
                acting_user=request.user,
            )
        except CatalogError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "草稿已保存。")
            return redirect("catalog_diff", code=code)
    return render(
        request,
        "catalog/staff/draft_edit.html",
        _ctx(
            request,
            item=item,
            version=version,
            form=form,
            bases=bases,
            steps=steps,
            materials=materials,
        ),
    )


@staff_view(*CATALOG)
def version_diff(request, code: str):
    """Compare two versions (default: the version in force against the draft or the newest)."""
    item = _get_item(request.user, code)
    numbers = list(item.versions.order_by("number").values_list("number", flat=True))
    current = current_versions([item]).get(item.pk)
    draft = item.versions.filter(status=VersionStatus.DRAFT).first()

    def pick(name, default):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and int(value) in numbers else default

    newest = draft.number if draft else numbers[-1]
    new_no = pick("b", newest)
    old_default = current.number if current and current.number != new_no else max(new_no - 1, 0)
    old_no = pick("a", old_default)
    old = _get_version(item, old_no) if old_no else None
    new = _get_version(item, new_no)
    problems = actions.check_publishable(new) if new.status == VersionStatus.DRAFT else []
    return render(
        request,
        "catalog/staff/diff.html",
        _ctx(
            request,
            item=item,
            old=old,
            new=new,
            changes=diff(old, new),
            numbers=numbers,
            problems=problems,
            can_manage=may_manage_item(request.user, item),
            today=today(),
        ),
    )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@require_POST
@staff_view(*CATALOG)
def create_draft(request, code: str):
    item = _get_item(request.user, code)
    try:
        draft = actions.create_draft(item, acting_user=request.user)
    except CatalogError as error:
        messages.error(request, str(error))
        return redirect("catalog_item", code=code)
    return redirect("catalog_draft_edit", code=code, number=draft.number)


@require_POST
@staff_view(*CATALOG)
def publish(request, code: str, number: int):
    item = _get_item(request.user, code)
    version = _get_version(item, number)
    effective = _date(request.POST.get("effective_from", ""))
    if effective is None:
        messages.error(request, "请填写生效日期，如 2027-01-01。")
        return redirect(reverse("catalog_diff", args=[code]) + f"?b={number}")
    try:
        actions.publish_version(
            version,
            effective_from=effective,
            acting_user=request.user,
            note=request.POST.get("note", "").strip(),
        )
    except CatalogError as error:
        messages.error(request, str(error))
        return redirect(reverse("catalog_diff", args=[code]) + f"?b={number}")
    messages.success(request, f"第{number}版已发布，{effective:%Y-%m-%d}起生效。")
    return redirect("catalog_item", code=code)


@require_POST
@staff_view(*CATALOG)
def discard(request, code: str, number: int):
    item = _get_item(request.user, code)
    try:
        actions.discard_draft(_get_version(item, number), acting_user=request.user)
    except CatalogError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "草稿已删除。")
    return redirect("catalog_item", code=code)


@require_POST
@staff_view(*CATALOG)
def retire(request, code: str):
    item = _get_item(request.user, code)
    on = _date(request.POST.get("on", ""))
    if on is None:
        messages.error(request, "请填写废止日期，如 2027-01-01。")
        return redirect("catalog_item", code=code)
    try:
        actions.retire_item(
            item, on=on, acting_user=request.user, reason=request.POST.get("reason", "")
        )
    except CatalogError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"事项将于{on:%Y-%m-%d}废止；各版本仍可查阅。")
    return redirect("catalog_item", code=code)


# --- bundles ----------------------------------------------------------------------------------


@staff_view(*CATALOG)
def bundle_list(request):
    views = bundle_views(Bundle.objects.select_related("lead_unit").order_by("sort_order", "id"))
    from .queries import county_reductions

    return render(
        request,
        "catalog/staff/bundles.html",
        _ctx(
            request,
            views=views,
            county=county_reductions(),
            rule=AGGREGATION_RULE,
            can_manage=manages_all(request.user),
        ),
    )


@staff_view(*CATALOG)
def bundle_detail(request, pk: int):
    views = bundle_views(Bundle.objects.filter(pk=pk).select_related("lead_unit"))
    if not views:
        raise Http404("没有这个一件事。")
    view = views[0]
    return render(
        request,
        "catalog/staff/bundle.html",
        _ctx(
            request,
            view=view,
            bundle=view.bundle,
            materials=view.merged_materials(),
            fields=view.merged_fields(),
            can_manage=manages_all(request.user),
            events=view.bundle.events.select_related("actor")[:30],
        ),
    )


class BundleForm(forms.ModelForm):
    item_codes = forms.CharField(
        label="所含事项（实施编码，每行一个）", widget=forms.Textarea(attrs={"rows": 8})
    )
    step_lines = forms.CharField(
        label="合并后的环节（每行一个：名称 或 名称|时限）",
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    class Meta:
        model = Bundle
        fields = [
            "code",
            "name",
            "description",
            "lead_unit",
            "topics",
            "promised_limit_days",
            "visits",
            "online",
            "is_active",
            "sort_order",
        ]
        widgets = {"topics": forms.CheckboxSelectMultiple}

    def clean_item_codes(self):
        codes = [c.strip() for c in self.cleaned_data["item_codes"].splitlines() if c.strip()]
        found = {i.code: i for i in Item.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(f"没有这些事项：{'、'.join(missing[:10])}")
        if len(set(codes)) < 2:
            raise forms.ValidationError("一件事至少包含两个不同的事项。")
        return [found[c] for c in dict.fromkeys(codes)]

    def clean_step_lines(self):
        rows = []
        for line in self.cleaned_data["step_lines"].splitlines():
            if not line.strip():
                continue
            name, _, days = line.partition("|")
            days = days.strip() or "0"
            if not days.isdigit():
                raise forms.ValidationError(f"“{line.strip()}”的时限应为整数个工作日。")
            rows.append({"name": name.strip()[:40], "limit_days": int(days)})
        if not rows:
            raise forms.ValidationError("请至少填写一个环节。")
        return rows


@staff_view(*CATALOG)
def bundle_edit(request, pk: int | None = None):
    if not manages_all(request.user):
        raise Http404("只有政务服务中心的事项管理员可以维护一件事。")
    bundle = Bundle.objects.filter(pk=pk).first() if pk else Bundle()
    if pk and bundle is None:
        raise Http404("没有这个一件事。")
    initial = {}
    if bundle.pk:
        initial = {
            "item_codes": "\n".join(m.item.code for m in bundle.members.select_related("item")),
            "step_lines": "\n".join(f"{s.name}|{s.limit_days}" for s in bundle.steps.all()),
        }
    form = BundleForm(request.POST or None, instance=bundle, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_bundle_full(
                form.save(commit=False),
                topics=form.cleaned_data["topics"],
                items=form.cleaned_data["item_codes"],
                steps=form.cleaned_data["step_lines"],
                acting_user=request.user,
            )
        except CatalogError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "一件事已保存；减幅已按事项数据重新计算。")
            return redirect("catalog_bundle", pk=saved.pk)
    return render(
        request, "catalog/staff/bundle_edit.html", _ctx(request, form=form, bundle=bundle)
    )


# --- Excel --------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_view(*CATALOG)
def excel_export(request):
    buffer = io.BytesIO()
    excel.export_catalog(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=f"事项库-{today():%Y%m%d}.xlsx", content_type=XLSX
    )


@staff_view(*CATALOG)
def excel_import(request):
    report = None
    if request.method == "POST":
        if not manages_all(request.user):
            raise Http404("只有政务服务中心的事项管理员可以导入事项库。")
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的 Excel 文件（.xlsx）。")
        elif upload.size > excel.MAX_BYTES:
            messages.error(request, "文件太大：请不要超过 20 MB。")
        else:
            report = excel.import_catalog(upload, acting_user=request.user)
            if report.ok:
                messages.success(request, report.summary)
    return render(
        request,
        "catalog/staff/import.html",
        _ctx(request, report=report, can_import=manages_all(request.user)),
    )
