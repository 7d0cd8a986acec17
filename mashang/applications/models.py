"""Applications (办件): one row per item applied for; a 一件事 is a parent with one part per item.

The applicant's identity (name, phone, ID number) and the form's answers are SM4 ciphertext
(`core.crypto`); `phone_index` matches a phone for /my/ without storing it in clear. Every
change is an `ApplicationEvent`; the statuses and who may move them are in `workflow.py`.
"""

import json
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from mashang.appeals.choices import Rating
from mashang.core.crypto import EncryptedTextField

from .choices import (
    ApplicantKind,
    Channel,
    Decision,
    Delivery,
    MaterialState,
    RatingKind,
    Status,
)


class Application(models.Model):
    number = models.CharField("申请编号", max_length=24, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="一件事总件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parts",
    )
    bundle = models.ForeignKey(
        "catalog.Bundle", verbose_name="一件事", null=True, blank=True, on_delete=models.PROTECT
    )
    item = models.ForeignKey(
        "catalog.Item",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # The version in force when filed: limits and materials never move under an application.
    version = models.ForeignKey(
        "catalog.ItemVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name="审查单位",
        on_delete=models.PROTECT,
        related_name="applications",
    )
    title = models.CharField("事项名称", max_length=100)
    # Copied from the version when filed: figures group by it without a join.
    level = models.CharField("办理层级", max_length=10, blank=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, db_index=True)
    applicant_kind = models.CharField(
        "申请人类型", max_length=6, choices=ApplicantKind.choices, default=ApplicantKind.PERSON
    )
    applicant_name = EncryptedTextField("申请人（经办人）姓名")
    applicant_phone = EncryptedTextField("手机号")
    applicant_id_number = EncryptedTextField("身份证号", blank=True)
    phone_index = models.CharField(max_length=64, db_index=True, editable=False)
    firm_name = models.CharField("企业名称", max_length=100, blank=True)
    firm_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    form_json = EncryptedTextField("申请表内容", blank=True)
    delivery = models.CharField(
        "送达方式", max_length=12, choices=Delivery.choices, default=Delivery.PICKUP
    )
    post_address = EncryptedTextField("邮寄地址", blank=True)

    received_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window_unit = models.ForeignKey(
        "directory.Unit",
        verbose_name="受理窗口单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    instant = models.BooleanField("即办", default=False)
    decision = models.CharField("决定", max_length=8, choices=Decision.choices, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    refusal_reason = models.TextField("不予受理理由", blank=True)
    refusal_basis = models.CharField("法律依据", max_length=200, blank=True)
    result_text = models.TextField("办理结果", blank=True)
    result_file = models.FileField("电子结果", upload_to="applications/results/", blank=True)

    # Limits, in working days on our calendar, counted from acceptance.
    promised_due_at = models.DateTimeField("承诺期限", null=True, blank=True)
    legal_due_at = models.DateTimeField("法定期限", null=True, blank=True)
    due_at = models.DateTimeField("当前期限", null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_at = models.DateTimeField("补正计时暂停于", null=True, blank=True)
    extended = models.BooleanField("已延期", default=False)
    # Set at the decision, for the figures: working days used, and the limit promised.
    days_used = models.FloatField("实际用时（工作日）", null=True, blank=True)
    promised_days = models.PositiveSmallIntegerField("承诺时限（工作日）", null=True, blank=True)
    corrections = models.PositiveSmallIntegerField("补正次数", default=0)
    # 容缺: the materials still owed, by when, and whether the reminder went out.
    supplement_due_at = models.DateTimeField("容缺补齐期限", null=True, blank=True)
    supplement_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    commitment_signed = models.BooleanField("已签承诺书", default=False)

    rating = models.CharField("评价", max_length=1, choices=Rating.choices, blank=True)
    rating_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    submission_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "received_at"]),
            # The roll-ups' refresh finds the days whose applications changed since its last pass.
            models.Index(fields=["updated_at"], name="application_updated"),
            models.Index(
                fields=["warn_at"],
                name="application_warn_pending",
                condition=models.Q(warned_at__isnull=True, warn_at__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="application_due_pending",
                condition=models.Q(overdue_at__isnull=True, due_at__isnull=False),
            ),
            models.Index(
                fields=["supplement_due_at"],
                name="application_supplement_due",
                condition=models.Q(supplement_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    due_key = "promised"  # read by the deadline badge

    @property
    def is_bundle(self) -> bool:
        return self.bundle_id is not None and self.parent_id is None

    @property
    def form_data(self) -> dict:
        return json.loads(self.form_json) if self.form_json else {}

    @property
    def masked_phone(self) -> str:
        phone = self.applicant_phone or ""
        return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else ""

    @property
    def masked_id(self) -> str:
        value = self.applicant_id_number or ""
        return value[:4] + "**********" + value[-4:] if len(value) == 18 else ""

    @property
    def applicant_label(self) -> str:
        if self.applicant_kind == ApplicantKind.FIRM:
            return f"{self.firm_name}（经办人 {self.applicant_name}）"
        return self.applicant_name


class ApplicationEvent(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24)
    old_status = models.CharField(max_length=12, blank=True)
    new_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    public_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"])]

    @property
    def kind_label(self) -> str:
        from .choices import Event

        return dict(Event.choices).get(self.kind, self.kind)


def material_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"applications/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


APPLICATION_FORM_CODE = "application_form"
FILLED_ONLINE_LABEL = "网上填写"


class ApplicationMaterial(models.Model):
    """One material of the checklist for one application, with its state and scanned file."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material_type = models.ForeignKey(
        "catalog.MaterialType", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("材料名称", max_length=100)
    required = models.BooleanField("必需", default=True)
    may_be_missing = models.BooleanField("可容缺", default=False)
    state = models.CharField(
        "状态", max_length=10, choices=MaterialState.choices, default=MaterialState.MISSING
    )
    original_seen = models.BooleanField("已核验原件", default=False)
    copy_taken = models.BooleanField("已收复印件", default=False)
    problem = models.CharField("问题说明", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    @property
    def state_label(self) -> str:
        """The state in words; the 申请表 of an online application is the form the applicant
        filled in, not a file the government shares (共享获取)."""
        if (
            self.state == MaterialState.SHARED
            and self.material_type.code == APPLICATION_FORM_CODE
            and self.application.channel in (Channel.ONLINE, Channel.API)
        ):
            return FILLED_ONLINE_LABEL
        return self.get_state_display()


class MaterialFile(models.Model):
    """An uploaded or scanned file: checked by content, images re-encoded, served with audit."""

    material = models.ForeignKey(
        ApplicationMaterial, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(upload_to=material_path)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class CorrectionNotice(models.Model):
    """The one 一次性告知: every missing or wrong material at once."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="correction_notice"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    items = models.JSONField(default=list)  # [{"name": …, "problem": …}]
    resolved_at = models.DateTimeField(null=True, blank=True)


class ServiceRating(models.Model):
    """好差评: one per application (一事一评) and any number at a window (一次一评)."""

    kind = models.CharField(max_length=12, choices=RatingKind.choices)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.CharField(max_length=1, choices=Rating.choices)
    comment = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    contact_due_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    rectification = models.TextField(blank=True)
    called_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(kind="application"),
                name="one_rating_per_application",
            )
        ]
        indexes = [
            models.Index(fields=["at"], name="rating_at"),
            models.Index(fields=["called_back_at"], name="rating_called_back"),
        ]


# ---- daily roll-ups (facts.py builds them, metrics.py reads them) ---------------------------


class ApplicationDayFact(models.Model):
    """One row per (day received, role, reviewing unit, 一件事, channel, level) with the count
    of every condition in `metrics.COUNTS` and the sums behind the average days.

    `role` tells the county's headline from the units' table: a single item counts in both,
    a 一件事's parent only in the headline, its parts only in their units' rows. Not per item:
    with the county's ~1,000 items a day × item row would hold about one application."""

    day = models.DateField(db_index=True)
    role = models.CharField(max_length=6)  # single, parent, part
    unit_id = models.BigIntegerField()
    bundle_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=10)
    level = models.CharField(max_length=10, blank=True)

    received = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)
    window = models.PositiveIntegerField(default=0)
    station = models.PositiveIntegerField(default=0)
    bundles = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    refused_acceptance = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    within_legal = models.PositiveIntegerField(default=0)
    instant = models.PositiveIntegerField(default=0)
    first_time = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    overdue_open = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    days_used_sum = models.FloatField(default=0)
    days_used_n = models.PositiveIntegerField(default=0)
    promised_sum = models.PositiveIntegerField(default=0)
    promised_n = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "办件日汇总"
        verbose_name_plural = "办件日汇总"


class RatingDayFact(models.Model):
    """好差评 per (day rated, unit, clerk, kind): what the ratings' figures sum."""

    day = models.DateField(db_index=True)
    unit_id = models.BigIntegerField()
    clerk_id = models.BigIntegerField(null=True)
    kind = models.CharField(max_length=12)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    bad_called_back = models.PositiveIntegerField(default=0)


class ApplicationFactsState(models.Model):
    """When the applications' roll-ups were last brought up to date (one row)."""

    built_at = models.DateTimeField(null=True, blank=True)
    built_until = models.DateField(null=True, blank=True)  # facts cover days before this
