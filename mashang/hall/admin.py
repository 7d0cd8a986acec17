"""Admin for the hall's set-up: halls, zones, windows, hours, slot templates and closures.

Tickets, appointments, authorisations and visits have lifecycles: they change through the
actions on the staff pages, so the admin shows them read-only.
"""

from django.contrib import admin

from .models import (
    Appointment,
    Closure,
    Hall,
    HallHours,
    Slot,
    SlotTemplate,
    Ticket,
    Window,
    Zone,
)


class ZoneInline(admin.TabularInline):
    model = Zone
    extra = 0
    fields = ["letter", "name", "order"]


class HoursInline(admin.TabularInline):
    model = HallHours
    extra = 0


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "division", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["division", "unit"]
    inlines = [ZoneInline, HoursInline]


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["letter", "name", "hall", "order"]
    list_filter = ["hall__kind"]
    search_fields = ["name", "hall__name"]
    raw_id_fields = ["hall"]
    filter_horizontal = ["units", "topics"]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "hall", "accepts_all", "is_active"]
    list_filter = ["accepts_all", "is_active", "hall__kind"]
    search_fields = ["name", "hall__name"]
    raw_id_fields = ["hall"]
    filter_horizontal = ["zones"]


@admin.register(SlotTemplate)
class SlotTemplateAdmin(admin.ModelAdmin):
    list_display = ["zone", "weekday", "start", "end", "capacity", "after_hours"]
    list_filter = ["weekday", "after_hours"]
    raw_id_fields = ["zone"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["day", "hall", "zone", "reason"]
    raw_id_fields = ["hall", "zone"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Slot)
class SlotAdmin(ReadOnly):
    list_display = ["zone", "day", "start", "end", "capacity", "booked", "after_hours"]
    list_filter = ["day", "after_hours"]


@admin.register(Ticket)
class TicketAdmin(ReadOnly):
    list_display = ["number", "hall", "zone", "day", "lane", "status", "window", "taken_at"]
    list_filter = ["status", "lane", "day"]
    exclude = ["phone"]


@admin.register(Appointment)
class AppointmentAdmin(ReadOnly):
    list_display = ["code", "slot", "status", "created_at"]
    list_filter = ["status"]
    exclude = ["name", "phone", "phone_index"]
