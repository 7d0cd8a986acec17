"""Official documents: each gets its 文号 once, on first printing, and keeps it for reprints."""

from django.db import models
from django.utils import timezone


class Counter(models.Model):
    """A gap-tolerant counter per series (文号 per kind per year, application numbers …)."""

    name = models.CharField(max_length=60, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "编号计数器"
        verbose_name_plural = "编号计数器"


class IssuedDocument(models.Model):
    """One issued document: `key` names what it is about, so a reprint finds the same 文号."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField("文书类型", max_length=30)
    number = models.CharField("文号", max_length=60)
    title = models.CharField("标题", max_length=100)
    issued_at = models.DateTimeField("印发时间", default=timezone.now)

    class Meta:
        verbose_name = "公文"
        verbose_name_plural = "公文"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"
