"""The outbox: every message is a row written in the same transaction as its cause."""

from django.db import models
from django.utils import timezone

from mashang.core.crypto import EncryptedTextField


class MessageStatus(models.TextChoices):
    CREATED = "created", "待发送"
    SENDING = "sending", "发送中"
    DELIVERED = "delivered", "已发送"
    RETRY = "retry", "等待重试"
    DEAD = "dead", "发送失败"


class Message(models.Model):
    channel = models.CharField("渠道", max_length=10, default="sms")
    to_phone = EncryptedTextField("接收号码", blank=True)
    template = models.CharField("模板", max_length=40)
    body = EncryptedTextField("内容")
    params = models.JSONField("参数（不含验证码等机密）", default=dict, blank=True)
    # All parameters, codes included, for gateways that fill a template themselves.
    send_params = EncryptedTextField(blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=MessageStatus.choices, default=MessageStatus.CREATED
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送", default=timezone.now)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    to_unit = models.ForeignKey(
        "directory.Unit",
        verbose_name="接收单位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息发件箱"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.template} · {self.get_status_display()}"


class MessageTemplate(models.Model):
    key = models.CharField("模板键", max_length=40, unique=True)
    text = models.CharField(
        "短信内容", max_length=300, help_text="用 ((变量)) 表示占位符，单条短信不超过 70 字。"
    )
    provider_template_id = models.CharField(
        "短信服务商模板编号",
        max_length=60,
        blank=True,
        help_text="使用 HTTP 短信网关时，服务商审核通过的模板编号；留空则用模板键。",
    )

    class Meta:
        verbose_name = "短信模板"
        verbose_name_plural = "短信模板"

    def __str__(self) -> str:
        return self.key
