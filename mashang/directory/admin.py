from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from mashang.core.audit import audit

from .choices import Role
from .exchange import ImportRejected, export_directory, import_directory
from .models import Division, Position, Staff, Unit


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    raw_id_fields = ["holder"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "division", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    raw_id_fields = ["division"]
    list_select_related = ["division"]
    inlines = [PositionInline]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "unit", "holder"]
    list_filter = ["title"]
    search_fields = ["unit__name", "holder__full_name", "holder__username"]
    raw_id_fields = ["unit", "holder"]
    list_select_related = ["unit", "holder"]


class RoleFilter(admin.SimpleListFilter):
    title = "角色"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() in Role.values:
            # Roles are a JSON list; the quoted value matches one element on SQLite and PostgreSQL.
            return queryset.filter(roles__icontains=f'"{self.value()}"')
        return queryset


class DirectoryImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


DIRECTORY_PERMISSIONS = [
    f"directory.{verb}_{model}"
    for verb in ("add", "change")
    for model in ("division", "unit", "position", "staff")
]


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    change_list_template = "admin/directory/staff/change_list.html"
    list_display = ["username", "full_name", "role_labels", "unit", "is_active", "locked_until"]
    list_filter = [RoleFilter, "is_active", "unit__kind"]
    search_fields = ["username", "full_name", "mobile", "unit__name"]
    raw_id_fields = ["unit"]
    list_select_related = ["unit"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "mobile", "email")}),
        ("岗位", {"fields": ("roles", "unit", "is_active")}),
        ("登录安全", {"fields": ("failed_logins", "locked_until", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "roles", "unit", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description="角色")
    def role_labels(self, obj):
        return obj.role_labels

    actions = ["unlock"]

    def has_change_permission(self, request, obj=None):
        # The commission's accounts read every accusation: only a superuser may touch them.
        if obj is not None and Role.DISCIPLINE in obj.role_set and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "roles" and not request.user.is_superuser:
            field.choices = [c for c in field.choices if c[0] != Role.DISCIPLINE]
        return field

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = set(form.changed_data) & {"roles", "unit", "is_active", "password"}
        if changed or not change:
            audit(
                "staff_created" if not change else "staff_changed",
                actor=request.user,
                obj=obj,
                request=request,
                detail=f"角色={','.join(sorted(obj.role_set))} 单位={obj.unit_id} 变更={sorted(changed)}",
            )

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit(
                "staff_password_reset",
                actor=request.user,
                request=request,
                object_type="directory.staff",
                object_id=str(id),
            )
        return response

    @admin.action(description="解除所选账号的登录锁定")
    def unlock(self, request, queryset):
        n = queryset.update(failed_logins=0, locked_until=None)
        self.message_user(request, f"已解除 {n} 个账号的锁定。")

    def get_urls(self):
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="directory_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="directory_export",
            ),
        ]
        return extra + super().get_urls()

    def _require_directory_rights(self, request):
        if not request.user.has_perms(DIRECTORY_PERMISSIONS):
            raise PermissionDenied("您没有维护组织目录的权限。")

    def import_view(self, request):
        """The directory import: every row checked, all or nothing, the same rules as the admin."""
        self._require_directory_rights(request)
        errors = []
        form = DirectoryImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = import_directory(form.cleaned_data["file"], acting_user=request.user)
            except ImportRejected as exc:
                errors = exc.errors
            else:
                self.message_user(request, f"导入完成：{result.summary()}", messages.SUCCESS)
                return redirect("admin:directory_staff_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "导入组织目录",
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "directory/admin/import.html", context)

    def export_view(self, request):
        self._require_directory_rights(request)
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        day = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="directory-{day}.xlsx"'
        export_directory(response, acting_user=request.user)
        return response
