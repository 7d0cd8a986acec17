"""免申即享: policies as rules over the data the county holds, runs, candidates and grants.

Firms and residents are imported (see imports.py); a policy's conditions and amount are
rule-engine expressions over the fields in rules.FIELDS and the policy's dated parameters.
A run evaluates one policy for one period over every record and keeps each decision with its
trace; a grant is unique per policy, period and beneficiary, so no run pays anyone twice.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from mashang.core.crypto import EncryptedTextField

from .choices import GrantStatus, ImportKind, ParamKind, PeriodKind, Target


class ImportBatch(models.Model):
    kind = models.CharField("数据类别", max_length=10, choices=ImportKind.choices)
    source = models.CharField("数据来源", max_length=100)
    file_name = models.CharField("文件名", max_length=200)
    imported_at = models.DateTimeField("导入时间", default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    rows = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class Firm(models.Model):
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    industry = models.CharField("行业", max_length=40)
    size = models.CharField("企业规模", max_length=10)
    township = models.ForeignKey(
        "directory.Division", null=True, on_delete=models.PROTECT, related_name="+"
    )
    phone = EncryptedTextField("联系电话")
    bank_name = models.CharField("开户银行", max_length=60)
    bank_account = EncryptedTextField("银行账号")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField("导入时间")

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"

    def __str__(self) -> str:
        return self.name


class FirmYear(models.Model):
    """One firm's figures for one year: 参保人数 by month, contributions, loan interest, 失信."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField("年度")
    insured = models.JSONField("各月参保人数")  # 12 integers, January first
    unemployment_paid = models.DecimalField("失业保险缴费（元）", max_digits=14, decimal_places=2)
    social_paid = models.DecimalField("社保单位缴费（元）", max_digits=14, decimal_places=2)
    loan_interest = models.DecimalField(
        "创业担保贷款利息（元）", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    dishonest = models.BooleanField("失信记录", default=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "企业年度数据"
        verbose_name_plural = "企业年度数据"
        constraints = [
            models.UniqueConstraint(fields=["firm", "year"], name="benefits_firm_year_once")
        ]
        indexes = [models.Index(fields=["year"])]


class Person(models.Model):
    id_number = EncryptedTextField("身份证号")
    id_index = models.CharField(max_length=64, unique=True)  # blind index of the ID number
    id_tail = models.CharField("身份证号后四位", max_length=4)
    name = models.CharField("姓名", max_length=40)
    birth_date = models.DateField("出生日期")
    hukou_code = models.CharField("户籍地区划代码", max_length=15)
    village = models.ForeignKey(
        "directory.Division", on_delete=models.PROTECT, related_name="+", verbose_name="村（社区）"
    )
    phone = EncryptedTextField("联系电话", blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account = EncryptedTextField("银行账号", blank=True)
    deceased = models.BooleanField("已故", default=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField("导入时间")

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"

    def __str__(self) -> str:
        return f"{self.name}（****{self.id_tail}）"


class Policy(models.Model):
    name = models.CharField("政策名称", max_length=100)
    issuer = models.CharField("发文机关", max_length=100)
    doc_number = models.CharField("文号", max_length=60)
    legal_reference = models.CharField("政策依据", max_length=300)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止", null=True, blank=True)
    target = models.CharField("对象", max_length=10, choices=Target.choices)
    period_kind = models.CharField("发放周期", max_length=10, choices=PeriodKind.choices)
    amount_formula = models.CharField("金额公式", max_length=500)
    four_eyes_above = models.DecimalField(
        "超过此金额需两人审批（元）", max_digits=12, decimal_places=2, default=Decimal("10000")
    )
    revision = models.PositiveIntegerField("版本", default=0)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = "惠企政策"
        verbose_name_plural = "惠企政策"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Condition(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="conditions")
    order = models.PositiveSmallIntegerField("顺序", default=0)
    label = models.CharField("条件说明", max_length=60)
    expression = models.CharField("条件表达式", max_length=500)

    class Meta:
        ordering = ["order", "id"]


class Parameter(models.Model):
    """One dated value of a parameter: several rows with the same key are its history."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="parameters")
    key = models.CharField("参数名", max_length=40)
    label = models.CharField("参数说明", max_length=60)
    kind = models.CharField("类型", max_length=10, choices=ParamKind.choices)
    valid_from = models.DateField("起始日期")
    value = models.CharField("值", max_length=500)

    class Meta:
        ordering = ["key", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "key", "valid_from"], name="benefits_parameter_dated_once"
            )
        ]


class PolicyRevision(models.Model):
    """What a policy said at each save: runs point here, so an edit never rewrites history."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField("版本")
    rules = models.JSONField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="benefits_revision_once")
        ]


class EligibilityRun(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="runs")
    revision = models.ForeignKey(PolicyRevision, on_delete=models.PROTECT, related_name="+")
    period = models.CharField("期间", max_length=7)  # "2025" or "2026-07"
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("运行时间", default=timezone.now)
    seconds = models.FloatField("用时（秒）", default=0)
    evaluated = models.PositiveIntegerField("评估对象数", default=0)
    eligible = models.PositiveIntegerField("符合条件", default=0)
    new_grants = models.PositiveIntegerField("新增待审核", default=0)
    already = models.PositiveIntegerField("已有发放记录", default=0)
    total_amount = models.DecimalField("新增金额（元）", max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = "资格运行"
        verbose_name_plural = "资格运行"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.policy} {self.period}"


class Candidate(models.Model):
    """One record's decision in one run, with the trace that explains it."""

    run = models.ForeignKey(EligibilityRun, on_delete=models.CASCADE, related_name="candidates")
    firm = models.ForeignKey(Firm, null=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=200)
    eligible = models.BooleanField("符合条件")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, default=0)
    trace = models.TextField("判定过程")
    facts = models.JSONField("所用数据", default=dict)

    class Meta:
        indexes = [models.Index(fields=["run", "eligible"])]


class Grant(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="grants")
    period = models.CharField("期间", max_length=7)
    beneficiary_key = models.CharField(max_length=64)  # credit code or the ID's blind index
    firm = models.ForeignKey(Firm, null=True, on_delete=models.PROTECT, related_name="grants")
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="grants")
    name = models.CharField("受益方", max_length=200)
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(EligibilityRun, on_delete=models.PROTECT, related_name="grants")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    status = models.CharField(
        "状态", max_length=16, choices=GrantStatus.choices, default=GrantStatus.PENDING_REVIEW
    )
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField("核准时间", null=True)
    link_token = models.CharField(max_length=64, blank=True, db_index=True)  # digest only
    confirmed_at = models.DateTimeField("确认时间", null=True)
    paid_at = models.DateTimeField("拨付时间", null=True)
    voucher = models.CharField("凭证号", max_length=40, blank=True)
    reason = models.CharField("排除或放弃原因", max_length=200, blank=True)
    checked = models.BooleanField("已抽查", default=False)

    class Meta:
        verbose_name = "发放记录"
        verbose_name_plural = "发放记录"
        ordering = ["id"]
        constraints = [
            # The rule "never twice": one grant per beneficiary, policy and period.
            models.UniqueConstraint(
                fields=["policy", "period", "beneficiary_key"], name="benefits_grant_once"
            )
        ]
        indexes = [models.Index(fields=["policy", "status"])]

    def __str__(self) -> str:
        return f"{self.name} · {self.policy} {self.period}"

    @property
    def beneficiary(self):
        return self.firm or self.person


class GrantEvent(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("动作", max_length=20)
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
