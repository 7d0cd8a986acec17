from django.contrib import admin
from django.utils import timezone

from .models import Message, MessageStatus, MessageTemplate


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox and its dead-letter list. Phone numbers and texts stay hidden: they may
    belong to a whistle-blower, and SMS codes are secrets."""

    list_display = [
        "id",
        "channel",
        "template",
        "status",
        "attempts",
        "masked_to",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "template"]
    fields = [
        "channel",
        "template",
        "status",
        "attempts",
        "masked_to",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "to_unit",
        "appeal",
    ]
    readonly_fields = fields
    actions = ["retry"]
    date_hierarchy = "created_at"

    @admin.display(description="接收号码")
    def masked_to(self, obj):
        phone = obj.to_phone or ""
        return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="重新发送所选的失败消息")
    def retry(self, request, queryset):
        n = queryset.filter(status=MessageStatus.DEAD).update(
            status=MessageStatus.RETRY, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
        self.message_user(request, f"已重新排队 {n} 条消息。")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "text", "provider_template_id"]
    search_fields = ["key", "text"]
