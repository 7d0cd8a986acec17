from django.contrib import admin

from .models import AuditLog, WorkerHeartbeat


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: an audit trail nobody may edit or delete from the admin."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "ip", "detail"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "detail", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: each worker process's last pass and how each of its jobs went."""

    list_display = ["name", "beat_at", "passes", "started_at"]
    readonly_fields = ["name", "host", "pid", "started_at", "beat_at", "passes", "jobs"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
