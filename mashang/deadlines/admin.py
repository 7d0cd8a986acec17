from django.contrib import admin, messages

from . import calendar
from .models import DeadlineRule, Holiday, SupervisionOrder


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        missing = calendar.unloaded_years()
        if missing:
            messages.warning(
                request,
                f"{'、'.join(map(str, missing))} 年的节假日尚未录入，暂按周一至周五计算工作日。"
                "请按国务院办公厅通知录入，或用 manage.py import_holidays 导入 CSV。",
            )
        return super().changelist_view(request, extra_context)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "amount", "unit"]
    list_editable = ["amount", "unit"]
    readonly_fields = ["key"]

    def has_add_permission(self, request):
        return False  # the keys are the ones the code reads

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin):
    list_display = ["appeal", "unit", "issued_at", "due_at", "status", "escalations"]
    list_filter = ["status"]
    list_select_related = ["appeal", "unit"]
    raw_id_fields = ["appeal", "unit", "issued_by", "answered_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(appeal__type="accusation")
