from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

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


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "unit", "is_active", "locked_until"]
    list_filter = ["role", "is_active", "unit__kind"]
    search_fields = ["username", "full_name", "mobile", "unit__name"]
    raw_id_fields = ["unit"]
    list_select_related = ["unit"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "mobile", "email")}),
        ("岗位", {"fields": ("role", "unit", "is_active")}),
        ("登录安全", {"fields": ("failed_logins", "locked_until", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "role", "unit", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["unlock"]

    @admin.action(description="解除所选账号的登录锁定")
    def unlock(self, request, queryset):
        n = queryset.update(failed_logins=0, locked_until=None)
        self.message_user(request, f"已解除 {n} 个账号的锁定。")
