"""The service hall floor: halls, zones, windows, queue tickets, appointments and the 六办.

A `Hall` is the county centre or a township/village station; each has `Zone`s (ticket prefix
A, B …) and numbered `Window`s. A clerk signs on to one window for the day (`WindowSession`).
A `Ticket`'s life is a chain of `TicketSegment`s (waiting, called, serving, on hold): waiting
and serving times are exact sums of them. Each call is a `Call` row, which the hall screen
reads. `Slot`s carry a capacity and a `booked` count that only a conditional UPDATE changes,
so the last place cannot be sold twice. The statuses and who moves them are in `workflow.py`.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from mashang.core.crypto import EncryptedTextField

from .choices import (
    AppointmentStatus,
    HallKind,
    Lane,
    RequestChannel,
    Segment,
    TicketSource,
    TicketStatus,
    VisitReason,
    VisitStatus,
)


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Hall(models.Model):
    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=10, choices=HallKind.choices)
    division = models.ForeignKey(
        "directory.Division", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "directory.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务大厅（站点）"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> str:
        """The handling level of the items it accepts (catalog.HandlingLevel values)."""
        return {"centre": "county", "township": "township", "village": "village"}[self.kind]


class Zone(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="zones")
    letter = models.CharField("号码字头", max_length=2)
    name = models.CharField("名称", max_length=40)
    units = models.ManyToManyField(
        "directory.Unit", verbose_name="受理哪些单位的事项", blank=True, related_name="+"
    )
    topics = models.ManyToManyField(
        "catalog.Topic", verbose_name="主题（一件事）", blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "服务区"
        ordering = ["hall", "order", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "letter"], name="zone_letter_unique_in_hall")
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.name}"


class Window(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="windows")
    number = models.PositiveSmallIntegerField("窗口号")
    name = models.CharField("名称", max_length=40)
    # 综合窗口: any zone of the hall; otherwise only the zones listed.
    accepts_all = models.BooleanField("综合窗口（受理全部）", default=True)
    zones = models.ManyToManyField(Zone, verbose_name="服务区", blank=True, related_name="windows")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口"
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="window_number_unique_in_hall")
        ]

    def __str__(self) -> str:
        return f"{self.number}号窗口"

    @property
    def label(self) -> str:
        return f"{self.number}号窗口"


class WindowSession(models.Model):
    """A clerk on duty at a window: one open session per window and per clerk."""

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="sessions")
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="window_sessions"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["window"], condition=Q(ended_at__isnull=True), name="one_clerk_per_window"
            ),
            models.UniqueConstraint(
                fields=["clerk"], condition=Q(ended_at__isnull=True), name="one_window_per_clerk"
            ),
        ]


class Ticket(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="tickets")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField("日期", db_index=True)
    number = models.CharField("号码", max_length=8)
    lane = models.CharField("优先通道", max_length=12, choices=Lane.choices, blank=True)
    source = models.CharField("取号方式", max_length=12, choices=TicketSource.choices)
    status = models.CharField(
        "状态", max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    phone = EncryptedTextField("手机号", blank=True)
    near_sent = models.BooleanField(default=False, editable=False)
    taken_at = models.DateTimeField("取号时间", default=timezone.now)
    # A transfer to one window: only that window calls it.
    for_window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    after_hours = models.BooleanField("延时办", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "排队号"
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["hall", "status", "zone", "taken_at"])]
        constraints = [
            models.UniqueConstraint(fields=["hall", "day", "number"], name="ticket_number_per_day")
        ]

    def __str__(self) -> str:
        return self.number


class TicketSegment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="segments")
    kind = models.CharField(max_length=10, choices=Segment.choices)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["kind", "started_at"])]

    @property
    def seconds(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=12)
    old_status = models.CharField(max_length=10, blank=True)
    new_status = models.CharField(max_length=10, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Call(models.Model):
    """One call (or recall) shown on the hall screen and spoken aloud."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="calls")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["hall", "-id"])]

    @property
    def text(self) -> str:
        return f"请{self.ticket.number}号到{self.window.number}号窗口办理"


# --- appointments (预约办) and hours (延时办) ---------------------------------------------------


class SlotTemplate(models.Model):
    """A weekly slot: weekday 0–6 (Monday–Sunday); after-hours slots count as 延时办."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="slot_templates")
    weekday = models.PositiveSmallIntegerField("星期（0=周一）")
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    capacity = models.PositiveSmallIntegerField("可约人数")
    after_hours = models.BooleanField("延时办", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "预约时段模板"
        ordering = ["zone", "weekday", "start"]


class Closure(models.Model):
    """A day the hall (or one zone) takes no appointments: a closure beyond the calendar."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="closures")
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.CASCADE)
    day = models.DateField("日期")
    reason = models.CharField("原因", max_length=60)

    class Meta:
        verbose_name = verbose_name_plural = "闭厅（不预约）日期"


class Slot(models.Model):
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField("日期")
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    capacity = models.PositiveSmallIntegerField("可约人数")
    booked = models.PositiveSmallIntegerField("已约人数", default=0)
    after_hours = models.BooleanField("延时办", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "预约时段"
        ordering = ["day", "start"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "day", "start"], name="slot_unique"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="slot_never_overbooked"
            ),
        ]

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def label(self) -> str:
        """ "11月28日 周六 09:00–09:30": a booking is chosen by its weekday as much as its date."""
        weekday = "一二三四五六日"[self.day.weekday()]
        return f"{self.day:%m月%d日} 周{weekday} {self.start:%H:%M}–{self.end:%H:%M}"


class Appointment(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    code = models.CharField("预约码", max_length=8, db_index=True)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    name = EncryptedTextField("姓名")
    phone = EncryptedTextField("手机号")
    phone_index = models.CharField(max_length=64, db_index=True, editable=False)
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bundle = models.ForeignKey(
        "catalog.Bundle", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment"
    )
    rescheduled_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "预约"
        ordering = ["slot__day", "slot__start", "id"]

    @property
    def what(self) -> str:
        if self.bundle_id:
            return self.bundle.name
        if self.item_id:
            return self.item.name
        return self.slot.zone.name


# --- 帮代办 and 上门办 ---------------------------------------------------------------------------


def letter_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"hall/letters/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.{ext}"


class ProxyAuthorisation(models.Model):
    """Who may act for whom (a 帮代办员 or 村级代办员 for a citizen), for what, until when."""

    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代办员",
        on_delete=models.PROTECT,
        related_name="authorisations",
    )
    principal_name = EncryptedTextField("委托人姓名")
    principal_phone = EncryptedTextField("委托人手机号")
    principal_id_number = EncryptedTextField("委托人身份证号", blank=True)
    scope = models.CharField("委托事项范围", max_length=200)
    items = models.ManyToManyField("catalog.Item", verbose_name="限定事项", blank=True)
    expires_on = models.DateField("有效期至")
    letter = models.FileField("授权委托书（签字或拍照）", upload_to=letter_path)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "帮代办授权"
        ordering = ["-created_at"]


class ProxyFiling(models.Model):
    """An application filed by a proxy under an authorisation: who acted for whom."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="proxy_filing"
    )
    authorisation = models.ForeignKey(
        ProxyAuthorisation, on_delete=models.PROTECT, related_name="filings"
    )
    proxy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)


class HomeVisit(models.Model):
    """上门办: a request by the elderly, disabled or seriously ill, a visit by two staff."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="visits")
    reason = models.CharField("原因", max_length=10, choices=VisitReason.choices)
    channel = models.CharField("来源", max_length=10, choices=RequestChannel.choices)
    name = EncryptedTextField("姓名")
    phone = EncryptedTextField("手机号")
    address = EncryptedTextField("地址")
    what = models.CharField("要办的事", max_length=200)
    status = models.CharField(
        "状态", max_length=10, choices=VisitStatus.choices, default=VisitStatus.REQUESTED
    )
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_for = models.DateTimeField("上门时间", null=True, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    visited_at = models.DateTimeField(null=True, blank=True)
    record = models.TextField("办理情况", blank=True)
    applications = models.ManyToManyField("applications.Application", blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "上门办"
        ordering = ["-requested_at"]


class VisitPhoto(models.Model):
    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=letter_path)


class HallHours(models.Model):
    """The hall schedule, 延时办 included: opening hours per weekday (0=Monday)."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField("星期（0=周一）")
    opens = models.TimeField("开始")
    closes = models.TimeField("结束")
    after_hours = models.BooleanField("延时办", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "大厅服务时间"
        ordering = ["hall", "weekday", "opens"]


# --- daily roll-ups of the figures ---------------------------------------------------------------


class HallDayFact(models.Model):
    """One day's figures of a zone at a window with a clerk (tickets by the day taken), or,
    with no window, the zone's appointments (by slot day) and the hall's 帮代办/上门办.

    Waits and serving times are histograms {tenths of a minute: tickets}: a percentile read
    from the merged histograms is exactly the percentile of the tickets (rounding to 0.1
    minute is monotone, so it commutes with taking the k-th value). `metrics.figures` reads
    these for whole past days and the tickets themselves for the rest (`rollups.py`)."""

    day = models.DateField(db_index=True)
    # no hall: 帮代办 filings, which belong to a proxy, not to a hall
    hall = models.ForeignKey(Hall, null=True, on_delete=models.CASCADE, related_name="+")
    zone = models.ForeignKey(Zone, null=True, on_delete=models.CASCADE, related_name="+")
    window = models.ForeignKey(Window, null=True, on_delete=models.SET_NULL, related_name="+")
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    tickets = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    after_hours = models.PositiveIntegerField(default=0)
    waits = models.JSONField(default=dict)
    serves = models.JSONField(default=dict)
    booked = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    appointment_no_shows = models.PositiveIntegerField(default=0)
    proxy = models.PositiveIntegerField(default=0)
    home_visits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "大厅统计日汇总"
        indexes = [models.Index(fields=["day", "hall"])]


class HallFactsState(models.Model):
    """How far the hall roll-ups reach (one row): they cover the days before `built_until`."""

    built_at = models.DateTimeField(null=True, blank=True)
    built_until = models.DateField(null=True, blank=True)
