from django.contrib import admin
from django.http import HttpResponse
from django.template import Engine, RequestContext
from django.urls import reverse
from django.utils import timezone

from .models import ApiToken, PartnerRequest, PartnerSystem


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    readonly_fields = ["key_digest", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued with `manage.py apitoken`, which shows the value once

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        n = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"已吊销 {n} 个令牌。")


# Rendered straight into the response, never into a message: messages may sit in a cookie.
KEY_PAGE = Engine.get_default().from_string(
    """{% extends "admin/base_site.html" %}
{% block content %}
<h1>对接系统“{{ partner.name }}”的接口密钥</h1>
<p>请立即复制并通过安全渠道交给对方系统的负责人。<strong>密钥只显示这一次</strong>，
系统只保存其摘要；遗失后只能重新签发。</p>
<p><code style="font-size:1.3em;user-select:all">{{ key }}</code></p>
<p>对方以 <code>api_key</code> 参数随每次 Open311 提交（POST /open311/v2/requests.xml 或
.json）发送；辖区 <code>jurisdiction_id</code> 为 {{ partner.jurisdiction_id }}。</p>
<p><a href="{{ back }}">返回对接系统列表</a></p>
{% endblock %}"""
)


@admin.register(PartnerSystem)
class PartnerSystemAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction_id", "hourly_limit", "created_at", "last_used_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    fields = ["name", "jurisdiction_id", "hourly_limit", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["created_at", "last_used_at", "revoked_at"]
    actions = ["revoke", "reissue"]

    def save_model(self, request, obj, form, change):
        if not change:
            # A new system gets its key now; `response_add` shows it once.
            request._partner_key = obj.new_key()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_key(request, obj, request._partner_key)

    def _show_key(self, request, partner, key):
        context = {
            **self.admin_site.each_context(request),
            "title": "接口密钥",
            "partner": partner,
            "key": key,
            "back": reverse("admin:api_partnersystem_changelist"),
        }
        response = HttpResponse(KEY_PAGE.render(RequestContext(request, context)))
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="吊销所选系统的密钥")
    def revoke(self, request, queryset):
        n = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"已吊销 {n} 个对接系统的密钥。")

    @admin.action(description="为所选系统重新签发密钥（旧密钥立即失效）")
    def reissue(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "一次只能为一个系统重新签发密钥。", level="error")
            return None
        partner = queryset.get()
        key = partner.new_key()
        partner.save(update_fields=["key_digest", "revoked_at"])
        return self._show_key(request, partner, key)


@admin.register(PartnerRequest)
class PartnerRequestAdmin(admin.ModelAdmin):
    list_display = ["appeal", "partner", "created_at"]
    list_select_related = ["appeal", "partner"]
    list_filter = ["partner"]
    search_fields = ["appeal__number"]
    readonly_fields = ["appeal", "partner", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
