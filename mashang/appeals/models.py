"""Appeals (诉求), their photos and their event timeline; intake drafts awaiting an SMS code."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from mashang.core.crypto import EncryptedTextField
from mashang.directory.models import Division, Unit
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement

from .choices import (
    AppealStatus,
    AppealType,
    AssignmentRole,
    Channel,
    ExtensionStatus,
    Rating,
    Urgency,
)

ACCUSATION_STATUSES = [
    AppealStatus.ACCUSATION_NEW,
    AppealStatus.DISCIPLINE_HANDLING,
    AppealStatus.DISCIPLINE_DONE,
]


class AppealQuerySet(models.QuerySet):
    def accusations(self):
        return self.filter(type=AppealType.ACCUSATION)

    def not_accusations(self):
        return self.exclude(type=AppealType.ACCUSATION)


def joined_place(names: list[str], detail: str) -> str:
    """Division names (county first) and a filer's place detail, without saying the same
    place twice: partners often send "衡南县泉湖镇…" or "泉湖镇…" as the detail."""
    address = "".join(names)
    detail = (detail or "").strip()
    if not detail or detail in address:
        return address
    for i in range(len(names)):
        if detail.startswith("".join(names[i:])):
            return "".join(names[:i]) + detail
    return f"{address} {detail}"


class Appeal(models.Model):
    """One citizen's appeal. Reporter identity is SM4-encrypted; `phone_index` matches phones."""

    number = models.CharField("受理编号", max_length=24, unique=True)
    query_code_digest = models.CharField(max_length=64, editable=False)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices, default=Channel.QR)
    placement = models.ForeignKey(
        Placement,
        verbose_name="二维码",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    kind = models.CharField("二维码类型", max_length=20, choices=QRKind.choices, blank=True)
    division = models.ForeignKey(
        Division, verbose_name="地点", on_delete=models.PROTECT, related_name="appeals"
    )
    addressee_unit = models.ForeignKey(
        Unit,
        verbose_name="二维码受理对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    type = models.CharField("诉求类型", max_length=12, choices=AppealType.choices, db_index=True)
    content = models.TextField("诉求内容")
    place_description = models.CharField("地点描述", max_length=200, blank=True)
    reporter_name = EncryptedTextField("姓名", blank=True)
    reporter_phone = EncryptedTextField("手机号", blank=True)
    reporter_id_number = EncryptedTextField("身份证号", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    is_anonymous = models.BooleanField("匿名", default=False)
    status = models.CharField("状态", max_length=24, choices=AppealStatus.choices, db_index=True)
    received_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # roll-ups rebuild by it
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_appeals",
    )
    # Time stamps the deadline sweeps and the statistics read.
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    extended_until = models.DateTimeField("延期至", null=True, blank=True)
    # Once the desk designates a unit after a return, that unit can no longer return it.
    designated = models.BooleanField("指定承办", default=False)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)
    rehandle_count = models.PositiveSmallIntegerField("重办次数", default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    public_reason = models.CharField("告知群众的理由", max_length=300, blank=True)
    result_text = models.TextField("办理结果", blank=True)
    rating = models.CharField("满意度", max_length=1, choices=Rating.choices, blank=True)
    solved = models.BooleanField("问题已解决", null=True, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    needs_review = models.BooleanField("差评待督查处理", default=False)
    ever_bad_rating = models.BooleanField("曾获差评", default=False)
    waiting_citizen = models.BooleanField("等待群众补充", default=False)
    bad_rating_at = models.DateTimeField("差评时间", null=True, blank=True)
    bad_rating_contacted_at = models.DateTimeField("差评联系时间", null=True, blank=True)
    rating_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Deadlines (mashang.deadlines): each limit's due time, and the one running now.
    urgency = models.CharField(
        "紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    dispatch_due_at = models.DateTimeField("分拨期限", null=True, blank=True)
    ack_due_at = models.DateTimeField("受理告知期限", null=True, blank=True)
    complete_due_at = models.DateTimeField("办结期限", null=True, blank=True)
    due_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    due_at = models.DateTimeField("当前期限", null=True, blank=True)
    due_key = models.CharField("当前时限", max_length=24, blank=True)
    warn_at = models.DateTimeField("预警时间", null=True, blank=True)
    warned_at = models.DateTimeField("已预警", null=True, blank=True)
    overdue_at = models.DateTimeField("已超时", null=True, blank=True)
    paused_at = models.DateTimeField("计时暂停于", null=True, blank=True)
    bad_rating_due_at = models.DateTimeField("差评联系期限", null=True, blank=True)
    bad_rating_overdue_at = models.DateTimeField(null=True, blank=True, editable=False)
    submission_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            # The lists filtered by status and place (a township's 办理中): without it each
            # of a township's divisions re-read the whole status (bench/bench_scale.py).
            models.Index(fields=["status", "division"], name="appeal_status_division"),
            # "How many accusations" beside the desk list and the overview: counted from
            # this small index alone, not from every appeal of the type.
            models.Index(
                fields=["received_at"],
                name="appeal_accusation_received",
                condition=models.Q(type="accusation"),
            ),
            # ...and in one township (the desk filtered to a township): by division.
            models.Index(
                fields=["division", "received_at"],
                name="appeal_accusation_division",
                condition=models.Q(type="accusation"),
            ),
            # The sweeps read only what is due: partial indexes keep each pass proportional
            # to the due items, not to all appeals.
            models.Index(
                fields=["warn_at"],
                name="appeal_warn_pending",
                condition=models.Q(warned_at__isnull=True, warn_at__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="appeal_due_pending",
                condition=models.Q(overdue_at__isnull=True, due_at__isnull=False),
            ),
            models.Index(
                fields=["bad_rating_due_at"],
                name="appeal_bad_rating_pending",
                condition=models.Q(
                    bad_rating_contacted_at__isnull=True,
                    bad_rating_overdue_at__isnull=True,
                    bad_rating_due_at__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def place_text(self) -> str:
        """The division and the filer's detail, the same place never said twice."""
        return joined_place(self.division.names_from(2), self.place_description)

    @property
    def is_accusation(self) -> bool:
        return self.type == AppealType.ACCUSATION

    def progress_text(self) -> str:
        """What a repeat merged into this appeal tells the citizen: its result, or its status."""
        if self.result_text:
            return "办理结果：" + self.result_text
        return "目前进度：" + self.get_status_display()

    def merged_text(self) -> str:
        """A merged repeat's public note: which appeal it joined, and that one's progress now."""
        return f"与诉求{self.number}为同一事项，已合并办理，{self.progress_text()}"

    @property
    def is_real_name(self) -> bool:
        return bool(self.reporter_phone) and not self.is_anonymous

    @property
    def masked_phone(self) -> str:
        phone = self.reporter_phone or ""
        return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else ""


class AppealEvent(models.Model):
    """Every change to an appeal, as a row; the public timeline shows the `is_public` ones."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24)
    old_status = models.CharField(max_length=24, blank=True)
    new_status = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)
    public_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at"])]

    @property
    def kind_label(self) -> str:
        from .choices import EventKind

        return dict(EventKind.choices).get(self.kind, self.kind)

    @property
    def status_change(self) -> str:
        labels = dict(AppealStatus.choices)
        old, new = labels.get(self.old_status, ""), labels.get(self.new_status, "")
        return f"{old} → {new}" if old and new and old != new else new


def photo_path(instance, filename: str) -> str:
    return f"appeals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class IntakeDraft(models.Model):
    """An appeal typed in but not yet confirmed by SMS code: invisible to staff, purged daily.

    `token` is the form's idempotency key: a double tap or a retry finds the same draft.
    """

    token = models.CharField(max_length=64, unique=True)
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.CASCADE)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.QR)
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=12, choices=AppealType.choices)
    content = models.TextField()
    place_description = models.CharField(max_length=200, blank=True)
    reporter_name = EncryptedTextField(blank=True)
    reporter_phone = EncryptedTextField(blank=True)
    reporter_id_number = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    is_anonymous = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    appeal = models.OneToOneField(
        Appeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="draft"
    )


class AppealPhoto(models.Model):
    """A photo re-encoded on the server (JPEG, no EXIF/GPS); belongs to a draft, then an appeal.

    `stage` tells the citizen's photos from those a unit attaches to its reply.
    """

    STAGE_INTAKE = "intake"
    STAGE_REPLY = "reply"
    STAGE_CITIZEN = "citizen"

    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    draft = models.ForeignKey(
        IntakeDraft, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    image = models.FileField(upload_to=photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    stage = models.CharField(max_length=10, default="intake")

    class Meta:
        ordering = ["id"]


class SmsCode(models.Model):
    """A one-time code sent to a phone: valid 5 minutes, locked after a few wrong tries."""

    PURPOSE_INTAKE = "intake"
    PURPOSE_TRACK = "track"

    purpose = models.CharField(max_length=10)
    phone_index = models.CharField(max_length=64, db_index=True)
    draft = models.ForeignKey(
        IntakeDraft, null=True, blank=True, on_delete=models.CASCADE, related_name="codes"
    )
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)


class Sequence(models.Model):
    """Gap-tolerant counters for readable numbers (e.g. 430422-2026-000123)."""

    name = models.CharField(max_length=40, unique=True)
    value = models.PositiveBigIntegerField(default=0)


class Assignment(models.Model):
    """Which units handle an appeal: one lead (主办), any number of co-handlers (协办)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=4, choices=AssignmentRole.choices)
    assigned_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "active"])]


class ExtensionRequest(models.Model):
    """A unit asks for more time; the desk approves or refuses, and the citizen is told."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField("理由", max_length=300)
    new_due = models.DateTimeField("申请延期至")
    status = models.CharField(
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    # The unit leader's review of a handler's request (安阳 art. 50), shown to the desk.
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    endorse_note = models.CharField("单位负责人意见", max_length=300, blank=True)


class Callback(models.Model):
    """One 回访 (by the supervision office) or one rating by the citizen from the SMS link."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="callbacks")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.CharField(max_length=1, choices=Rating.choices)
    solved = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)
