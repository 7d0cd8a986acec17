from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from mashang.core.audit import audit

from .choices import Role
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


@admin.register(Staff)
class StaffAdmin(UserAdmin):
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
