from django.conf import settings
from django.db import models


class AuditLog(models.Model):
    """Who did or saw what, when and from where: every sensitive access and every login."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("动作", max_length=40, db_index=True)
    object_type = models.CharField("对象类型", max_length=40, blank=True)
    object_id = models.CharField("对象", max_length=40, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    detail = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class RateCounter(models.Model):
    """One fixed-window rate-limit counter, when no Redis is configured.

    Counted with one atomic upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING), so a parallel
    burst cannot let more through than the limit, on SQLite and PostgreSQL alike."""

    key = models.CharField(max_length=250, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "频率计数"
        verbose_name_plural = "频率计数"


class WorkerHeartbeat(models.Model):
    """One row per worker process: when it last finished a pass and how each job went.

    /healthz and /metrics read these rows; several workers on several machines each keep
    their own (name = host:pid)."""

    name = models.CharField("进程", max_length=120, unique=True)
    host = models.CharField("主机", max_length=100)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间")
    beat_at = models.DateTimeField("最近一轮", db_index=True)
    passes = models.PositiveBigIntegerField("轮数", default=0)
    # {job name: {"at": ISO time of the last finish, "ok": bool, "seconds": float, "error": str}}
    jobs = models.JSONField("任务", default=dict)

    class Meta:
        verbose_name = "后台进程心跳"
        verbose_name_plural = "后台进程心跳"
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return self.name
