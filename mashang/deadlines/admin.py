from django.contrib import admin, messages

from . import calendar
from .models import CalendarYear, DeadlineRule, Holiday, SupervisionOrder

# The admin home shows the calendar warning above the usual index.
admin.site.index_template = "deadlines/admin_index.html"


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        warning = calendar.unloaded_warning()
        if warning:
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Adding a year here says its 休/班 rows are complete: its limits stop being 暂定."""

    list_display = ["year", "confirmed_at", "confirmed_by"]
    readonly_fields = ["confirmed_at", "confirmed_by"]

    def save_model(self, request, obj, form, change):
        obj.confirmed_by = request.user.get_username()
        super().save_model(request, obj, form, change)


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
