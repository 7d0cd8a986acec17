"""The working calendar's own table, the editable time-limit rules, and 督办 orders."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Holiday(models.Model):
    """A day that differs from the default: a holiday (休) or a make-up working day (班).

    Rows override the `chinesecalendar` package, and are the only source for years it does not
    know (it stops at 2026): load the State Council's schedule for each new year here.
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否上班", help_text="勾选表示调休上班日，不勾选表示放假")
    name = models.CharField("名称", max_length=30, blank=True)

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class CalendarYear(models.Model):
    """The administrator's confirmation that a year's 休/班 rows are the State Council's whole
    schedule: until then the year is counted provisionally (see calendar)."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    confirmed_at = models.DateTimeField("确认时间", default=timezone.now)
    confirmed_by = models.CharField("确认人", max_length=150, blank=True)

    class Meta:
        verbose_name = "年度节假日确认"
        verbose_name_plural = "年度节假日确认"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排已完整录入"


class Unit(models.TextChoices):
    WORKING_MINUTES = "working_minutes", "工作分钟"
    WORKING_HOURS = "working_hours", "工作小时"
    WORKING_DAYS = "working_days", "工作日"
    HOURS = "hours", "自然小时"


class DeadlineRule(models.Model):
    """One time limit, editable by the administrator (defaults: see rules.DEFAULTS)."""

    key = models.CharField("规则", max_length=40, unique=True)
    label = models.CharField("说明", max_length=60)
    amount = models.PositiveIntegerField("时长")
    unit = models.CharField("单位", max_length=20, choices=Unit.choices)

    class Meta:
        verbose_name = "时限规则"
        verbose_name_plural = "时限规则"
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.label}：{self.amount}{self.get_unit_display()}"


class OrderStatus(models.TextChoices):
    OPEN = "open", "待答复"
    ANSWERED = "answered", "已答复"


class SupervisionOrder(models.Model):
    """督办: the supervision office orders a unit to act on an appeal by a date; the unit
    answers; an unanswered order past its date escalates again (潍坊 art. 26)."""

    appeal = models.ForeignKey(
        "appeals.Appeal", on_delete=models.CASCADE, related_name="supervision_orders"
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="supervision_orders"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField("督办事由", max_length=300)
    due_at = models.DateTimeField("答复期限", db_index=True)
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN, db_index=True
    )
    answer = models.TextField("单位答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField("超期升级次数", default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at"]
