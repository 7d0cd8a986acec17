from django.contrib import admin
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone

from .confidential import confidential
from .models import Message, MessageStatus, MessageTemplate


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox and its dead-letter list. Phone numbers are masked and texts hidden for
    everyone. Confidential messages (accusations, SMS codes: see `confidential.py`) are not
    listed at all: the page only counts them per delivery state and can resend failed ones."""

    change_list_template = "admin/notifications/message/change_list.html"

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

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(confidential())

    def changelist_view(self, request, extra_context=None):
        states = dict(MessageStatus.choices)
        counts = (
            Message.objects.filter(confidential())
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by("status")
        )
        summary = [(states.get(status, status), n) for status, n in counts]
        extra_context = {**(extra_context or {}), "confidential_summary": summary}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        retry = self.admin_site.admin_view(self.retry_confidential)
        return [
            path("retry-confidential/", retry, name="notifications_message_retry_confidential")
        ] + super().get_urls()

    def retry_confidential(self, request):
        """Resend every failed confidential message without showing which they are."""
        if request.method == "POST" and self.has_view_permission(request):
            n = (
                Message.objects.filter(confidential(), status=MessageStatus.DEAD)
                .exclude(template="sms_code")  # a code that could not be sent has expired
                .update(
                    status=MessageStatus.RETRY,
                    attempts=0,
                    next_attempt_at=timezone.now(),
                    last_error="",
                )
            )
            self.message_user(request, f"已重新排队 {n} 条保密消息。")
        return redirect("admin:notifications_message_changelist")

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
