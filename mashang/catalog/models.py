"""The service catalogue (事项库): items with versions, the field dictionary, and 一件事 bundles.

How to read it (everything below lives in `mashang/catalog/queries.py`):

- An `Item` is the stable identity (实施编码 `code`, unit); its content lives in `ItemVersion`
  rows. A published version is never edited: staff clone it into a draft and publish the draft
  with an effective date. `current_version(item, on=None)` gives the version in force on a date
  (today by default); `current_versions(items_qs, on=None)` does it for many items in one query;
  `published_items(on=None)` is the queryset of `Item` that have a version in force. Anything
  filed later stores the `ItemVersion` it was filed under (`version_by_number(item, n)`).
- A version's children: `legal_bases`, `materials` (each with a `MaterialType` identity,
  `source`, `may_be_missing` for 容缺, `case_options` for 情形), `steps`, `form_fields`
  (`VersionField` rows pointing at the shared `FormField` dictionary), `questions` (情形
  `CaseQuestion` with `options`), `produces` (material types the item's result provides).
- A `Bundle` (一件事) lists items through `BundleItem` and has its own steps (`BundleStep`),
  promised limit and visits. `bundle_view(bundle, on=None)` returns a `BundleView` with the
  member versions, `merged_fields()`, `merged_materials()` (de-duplicated by material type;
  what one member produces for another, or the government holds, drops out),
  `steps`, and `reductions` (steps, time, materials, visits: each `1 − bundle / sum of items`,
  with both numbers, so pages can show the arithmetic). `county_reductions()` aggregates over
  all active bundles as a ratio of sums (Σ bundle / Σ items), and gives the online share.
- Topics (`Topic`: 生育/上学/… and 开办/经营/变更/注销) tag items and bundles; `Synonym` maps a
  phrase people type to the catalogue's word, for search.
- Writes go through `actions.py` (create_draft, edit_draft, publish_version, retire_item,
  save_bundle_full; each writes a `CatalogEvent`); who may do what is `workflow.py`;
  `queries.items_for(user)` is what a member of staff keeps. Excel in and out: `excel.py`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .choices import (
    FieldKind,
    HandlingLevel,
    ItemKind,
    ItemType,
    MaterialForm,
    MaterialSource,
    ResultKind,
    ServiceScope,
    StepKind,
    TopicKind,
    VersionStatus,
)


class PublishedVersionError(Exception):
    """Raised on any attempt to change the content of a version that is no longer a draft."""


# A published version's validity may still move (a successor, a retirement); its content not.
VALIDITY_FIELDS = frozenset({"effective_to", "status"})


def _check_draft(version_id) -> None:
    status = ItemVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()
    if status is not None and status != VersionStatus.DRAFT:
        raise PublishedVersionError("已发布的版本不能修改，请起草新版本。")


class DraftChild(models.Model):
    """A child of a version (material, step …): written only while the version is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        _check_draft(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _check_draft(self.version_id)
        return super().delete(*args, **kwargs)


class Topic(models.Model):
    """A life event (生育, 上学 …) or a business stage (开办, 注销 …) that tags items and bundles."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=20)
    kind = models.CharField("类别", max_length=10, choices=TopicKind.choices)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "主题"
        verbose_name_plural = "主题"
        ordering = ["kind", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class FormField(models.Model):
    """One entry of the field dictionary, defined once and shared by every item's form."""

    code = models.SlugField("字段代码", max_length=40, unique=True)
    label = models.CharField("字段名称", max_length=40)
    kind = models.CharField("类型", max_length=12, choices=FieldKind.choices)
    hint = models.CharField("填写提示", max_length=100, blank=True)
    choices = models.CharField("选项（用、分隔）", max_length=300, blank=True)
    max_length = models.PositiveSmallIntegerField("最大长度", null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "表单字段"
        verbose_name_plural = "表单字段字典"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.label


class MaterialType(models.Model):
    """The identity of a material (居民身份证, 营业执照 …): bundles de-duplicate by it."""

    code = models.SlugField("材料代码", max_length=40, unique=True)
    name = models.CharField("材料名称", max_length=80)
    e_license_type = models.CharField(
        "电子证照类型", max_length=60, blank=True, help_text="可从电子证照库调取时填写"
    )
    government_holds = models.BooleanField(
        "政府已掌握", default=False, help_text="政府部门已有此数据，申请人无需提交"
    )

    class Meta:
        verbose_name = "材料类型"
        verbose_name_plural = "材料类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Synonym(models.Model):
    """A phrase people type (上户口) mapped to the catalogue's own word (出生登记), for search."""

    phrase = models.CharField("俗称", max_length=40, unique=True)
    canonical = models.CharField("规范词", max_length=40)
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = "同义词"
        verbose_name_plural = "同义词"
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.canonical}"


class Item(models.Model):
    """A service item's identity; its content is in versions (never edited once published)."""

    code = models.CharField("实施编码", max_length=40, unique=True)
    basic_code = models.CharField("基本编码", max_length=40, db_index=True)
    unit = models.ForeignKey(
        "directory.Unit", verbose_name="实施单位", on_delete=models.PROTECT, related_name="items"
    )
    # Copied from the version in force when it is published: lists and filters need no join.
    name = models.CharField("事项名称", max_length=100, db_index=True)
    kind = models.CharField("事项类型", max_length=20, choices=ItemKind.choices)
    level = models.CharField("办理层级", max_length=10, choices=HandlingLevel.choices)
    topics = models.ManyToManyField(Topic, verbose_name="主题", blank=True, related_name="items")
    retired_on = models.DateField("废止日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ItemVersion(models.Model):
    """One version of an item's 实施清单 elements. Published versions are read-only.

    The validity period [effective_from, effective_to) never overlaps another published
    version of the same item; publishing a successor closes its predecessor's period.
    """

    item = models.ForeignKey(
        Item, verbose_name="事项", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    effective_from = models.DateField("生效日期", null=True, blank=True)
    effective_to = models.DateField("失效日期", null=True, blank=True)

    name = models.CharField("事项名称", max_length=100)
    kind = models.CharField("事项类型", max_length=20, choices=ItemKind.choices)
    item_type = models.CharField(
        "办件类型", max_length=10, choices=ItemType.choices, default=ItemType.PROMISED
    )
    conditions = models.TextField("受理条件", blank=True)
    review_criteria = models.TextField("审查标准", blank=True)
    result_kind = models.CharField(
        "办理结果类型", max_length=14, choices=ResultKind.choices, default=ResultKind.OTHER
    )
    result_name = models.CharField("办理结果名称", max_length=100, blank=True)
    legal_limit_days = models.PositiveSmallIntegerField("法定时限（工作日）", default=20)
    promised_limit_days = models.PositiveSmallIntegerField("承诺时限（工作日）", default=10)
    visits = models.PositiveSmallIntegerField("到现场次数", default=1)
    online = models.BooleanField("网上办理", default=True)
    window = models.BooleanField("窗口办理", default=True)
    self_service = models.BooleanField("自助办理", default=False)
    by_post = models.BooleanField("邮寄办理", default=False)
    fee_charged = models.BooleanField("收费", default=False)
    fee_amount = models.DecimalField(
        "收费金额（元）", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    fee_basis = models.CharField("收费依据", max_length=200, blank=True)
    level = models.CharField(
        "办理层级", max_length=10, choices=HandlingLevel.choices, default=HandlingLevel.COUNTY
    )
    delegated_to = models.CharField(
        "下放至", max_length=100, blank=True, help_text="如：全县23个乡镇（街道）便民服务中心"
    )
    scope = models.CharField(
        "通办范围", max_length=16, choices=ServiceScope.choices, default=ServiceScope.COUNTY
    )
    office_address = models.CharField("办理地点", max_length=200, blank=True)
    office_hours = models.CharField("办理时间", max_length=100, blank=True)
    phone = models.CharField("咨询电话", max_length=40, blank=True)
    produces = models.ManyToManyField(
        MaterialType,
        verbose_name="办理结果可作为材料",
        blank=True,
        related_name="produced_by",
        help_text="本事项的结果在一件事中替代这些材料",
    )

    change_note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("起草时间", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        ordering = ["item_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="itemversion_unique_number"),
            # At most one draft per item: staff edit one draft at a time.
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(status="draft"),
                name="itemversion_one_draft",
            ),
            models.CheckConstraint(
                condition=models.Q(promised_limit_days__lte=models.F("legal_limit_days")),
                name="itemversion_promised_within_legal",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.name} 第{self.number}版"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = ItemVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            fields = kwargs.get("update_fields")
            if stored not in (None, VersionStatus.DRAFT) and (
                fields is None or not set(fields) <= VALIDITY_FIELDS
            ):
                raise PublishedVersionError("已发布的版本不能修改，请起草新版本。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != VersionStatus.DRAFT:
            raise PublishedVersionError("已发布的版本不能删除。")
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        if self.promised_limit_days > self.legal_limit_days:
            raise ValidationError({"promised_limit_days": "承诺时限不能超过法定时限。"})
        if self.item_type == ItemType.INSTANT and self.promised_limit_days:
            raise ValidationError({"promised_limit_days": "即办件的承诺时限应为0个工作日。"})
        if self.visits > 2:
            raise ValidationError({"visits": "到现场次数只能是0、1或2次。"})
        if self.fee_charged and not self.fee_basis:
            raise ValidationError({"fee_basis": "收费事项请填写收费依据。"})

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def channels(self) -> list[str]:
        pairs = [
            (self.online, "网上"),
            (self.window, "窗口"),
            (self.self_service, "自助"),
            (self.by_post, "邮寄"),
        ]
        return [label for on, label in pairs if on]

    @property
    def step_count(self) -> int:
        return self.steps.count()


class LegalBasis(DraftChild):
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="legal_bases")
    law = models.CharField("法律法规名称", max_length=120)
    article = models.CharField("条款", max_length=40, blank=True)
    text = models.TextField("条款内容", blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "设定依据"
        verbose_name_plural = "设定依据"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"《{self.law}》{self.article}"


class CaseQuestion(models.Model):
    """A 情形 question (是否委托他人代办？): the answer selects materials (or bundle items)."""

    version = models.ForeignKey(
        ItemVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    bundle = models.ForeignKey(
        "Bundle", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    text = models.CharField("问题", max_length=100)
    multiple = models.BooleanField("可多选", default=False)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "情形问题"
        verbose_name_plural = "情形问题"
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__isnull=False, bundle__isnull=True)
                | models.Q(version__isnull=True, bundle__isnull=False),
                name="casequestion_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.text


class CaseOption(models.Model):
    question = models.ForeignKey(CaseQuestion, on_delete=models.CASCADE, related_name="options")
    label = models.CharField("选项", max_length=60)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "情形选项"
        verbose_name_plural = "情形选项"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


def material_upload_to(instance, filename: str) -> str:
    return f"catalog/forms/{filename}"


class Material(DraftChild):
    """A material of one item version. With `case_options`, needed only in those 情形."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    material_type = models.ForeignKey(
        MaterialType, verbose_name="材料类型", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("材料名称", max_length=100)
    form = models.CharField(
        "材料形式", max_length=20, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField("份数", default=1)
    required = models.BooleanField("必需", default=True)
    may_be_missing = models.BooleanField("可容缺", default=False)
    source = models.CharField(
        "来源", max_length=12, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    note = models.CharField("说明", max_length=200, blank=True)
    blank_form = models.FileField("空白表格", upload_to=material_upload_to, blank=True)
    sample = models.FileField("示例样表", upload_to=material_upload_to, blank=True)
    case_options = models.ManyToManyField(
        CaseOption, verbose_name="适用情形", blank=True, related_name="materials"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def brought_by_applicant(self) -> bool:
        return self.source == MaterialSource.APPLICANT


class Step(DraftChild):
    """A 办理环节 of one item version, with its own limit in working days."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("环节类型", max_length=10, choices=StepKind.choices)
    name = models.CharField("环节名称", max_length=40)
    limit_days = models.PositiveSmallIntegerField("时限（工作日）", default=0)
    description = models.CharField("办理要求", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class VersionField(DraftChild):
    """A field of the dictionary used on one item version's form."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="form_fields")
    field = models.ForeignKey(FormField, on_delete=models.PROTECT, related_name="+")
    required = models.BooleanField("必填", default=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "表单字段"
        verbose_name_plural = "表单字段"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "field"], name="versionfield_unique")
        ]


class Bundle(models.Model):
    """An 一件事: items done together with one form, one set of materials and its own steps.

    Its reductions are never stored: `queries.bundle_view` computes them from the items.
    """

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    description = models.TextField("说明", blank=True)
    lead_unit = models.ForeignKey(
        "directory.Unit",
        verbose_name="牵头单位",
        on_delete=models.PROTECT,
        related_name="led_bundles",
    )
    items = models.ManyToManyField(
        Item, through="BundleItem", verbose_name="事项", related_name="bundles"
    )
    topics = models.ManyToManyField(Topic, verbose_name="主题", blank=True, related_name="bundles")
    promised_limit_days = models.PositiveSmallIntegerField("承诺时限（工作日）", default=5)
    visits = models.PositiveSmallIntegerField("到现场次数", default=1)
    online = models.BooleanField("可全程网办", default=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "一件事"
        verbose_name_plural = "一件事"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="memberships")
    order = models.PositiveSmallIntegerField("顺序", default=0)
    case_options = models.ManyToManyField(
        CaseOption,
        verbose_name="适用情形",
        blank=True,
        related_name="bundle_items",
        help_text="空：总是办理；否则只在选中这些情形时办理",
    )

    class Meta:
        verbose_name = "一件事事项"
        verbose_name_plural = "一件事事项"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="bundleitem_unique")]


class BundleStep(models.Model):
    """One of the bundle's merged steps (一窗受理, 并联审批, 统一出件 …)."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField("环节名称", max_length=40)
    limit_days = models.PositiveSmallIntegerField("时限（工作日）", default=0)
    description = models.CharField("办理要求", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "一件事环节"
        verbose_name_plural = "一件事环节"
        ordering = ["order", "id"]


class CatalogEvent(models.Model):
    """Who changed what in the catalogue: drafts, edits, publications, retirements, imports."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("动作", max_length=20)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    version = models.ForeignKey(
        ItemVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    bundle = models.ForeignKey(
        Bundle, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "事项库操作记录"
        verbose_name_plural = "事项库操作记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
