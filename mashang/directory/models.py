"""The administrative directory: divisions, units, positions and the staff who hold them."""

from django import forms
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .choices import DivisionLevel, PositionTitle, Role, UnitKind


class DivisionQuerySet(models.QuerySet):
    def subtree(self, division: "Division") -> "DivisionQuerySet":
        """The division and everything below it, by materialized path (one indexed query)."""
        return self.filter(path__startswith=division.path)


class Division(models.Model):
    """A node of the administrative tree: province → city → county → township → village → hamlet.

    `path` holds the codes from the root ("/430000/430400/430422/"), so a subtree is one
    prefix query whatever the depth.
    """

    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=12, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = build_path(self.parent, self.code)
        self.depth = self.path.count("/") - 2
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved or re-coded: carry the descendants' paths along (rare, admin-only).
            below = list(Division.objects.filter(path__startswith=old_path).exclude(pk=self.pk))
            for d in below:
                d.path = self.path + d.path[len(old_path) :]
                d.depth = d.path.count("/") - 2
            Division.objects.bulk_update(below, ["path", "depth"], batch_size=500)

    def ancestors(self) -> models.QuerySet["Division"]:
        codes = [c for c in self.path.split("/") if c]
        return Division.objects.filter(code__in=codes).order_by("depth")

    def names_from(self, depth: int) -> list[str]:
        """Names from the ancestor at `depth` down to this division (county = 2): from the
        parents a `select_related("…__parent__parent")` brought along, else in one query."""
        chain, node = [self], self
        parent = Division._meta.get_field("parent")
        while node.depth > depth and node.parent_id and parent.is_cached(node):
            node = node.parent
            chain.append(node)
        if node.depth > depth and node.parent_id:  # a parent not loaded: ask the database
            return [d.name for d in self.ancestors() if d.depth >= depth]
        return [d.name for d in reversed(chain) if d.depth >= depth]

    def ancestor_at(self, level: str) -> "Division | None":
        return self.ancestors().filter(level=level).first()

    @property
    def full_name(self) -> str:
        """Name from the county down, e.g. 衡南县茶市镇某某村."""
        names = [d.name for d in self.ancestors() if d.depth >= 2]
        return "".join(names)


def build_path(parent: "Division | None", code: str) -> str:
    return f"{parent.path if parent else '/'}{code}/"


class Unit(models.Model):
    """An organisation that handles appeals: a county department, township government, etc."""

    name = models.CharField("单位名称", max_length=60)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("类型", max_length=20, choices=UnitKind.choices)
    division = models.ForeignKey(
        Division, verbose_name="所在区划", on_delete=models.PROTECT, related_name="units"
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "name"], name="unit_unique_name_in_division"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """A post such as "住建局局长": QR codes address the post, so a reshuffle changes nothing."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="positions"
    )
    title = models.CharField("职务", max_length=24, choices=PositionTitle.choices)
    holder = models.ForeignKey(
        "Staff",
        verbose_name="现任",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="positions",
    )

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        constraints = [
            models.UniqueConstraint(fields=["unit", "title"], name="position_unique_title_in_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}{self.get_title_display()}"


class RoleSetField(models.JSONField):
    """A set of `Role` values, stored as a sorted JSON list; ticked as checkboxes in forms."""

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            label=self.verbose_name,
            choices=Role.choices,
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            help_text=self.help_text,
        )

    def get_prep_value(self, value):
        return super().get_prep_value(sorted(set(value or ())))


def validate_roles(value) -> None:
    roles = set(value or ())
    unknown = roles - set(Role.values)
    if unknown:
        raise ValidationError(f"未知角色：{'、'.join(sorted(unknown))}")
    if not roles:
        raise ValidationError("请至少选择一个角色。")
    if Role.DISCIPLINE in roles and len(roles) > 1:
        # Whistle-blowers stay protected: a commission account sees accusations and nothing else.
        raise ValidationError("纪检干部账号不能兼任其他角色。")


class StaffManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):
        # `role=` is shorthand for a one-role account (scripts and tests).
        if "role" in extra_fields:
            extra_fields["roles"] = [extra_fields.pop("role")]
        return super()._create_user(username, email, password, **extra_fields)


class Staff(AbstractUser):
    """A member of staff: one unit, a set of roles. Roles and unit decide what they can see and do."""

    full_name = models.CharField("姓名", max_length=30, blank=True)
    roles = RoleSetField(
        "角色", default=list, validators=[validate_roles], help_text="可多选；纪检干部不能兼任。"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    mobile = models.CharField("手机号", max_length=20, blank=True)
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    objects = StaffManager()

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def is_locked(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.locked_until and self.locked_until > now)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles or ())

    @property
    def role_labels(self) -> str:
        return "、".join(label for value, label in Role.choices if value in self.role_set)

    def save(self, *args, **kwargs):
        # Only administrators reach the Django admin; a superuser is always an administrator.
        if (
            self.is_superuser
            and Role.ADMIN not in self.role_set
            and Role.DISCIPLINE not in self.role_set
        ):
            self.roles = [*self.role_set, Role.ADMIN]
        validate_roles(self.roles)  # the commission rule holds for every path, not only forms
        self.is_staff = Role.ADMIN in self.role_set
        super().save(*args, **kwargs)

    def has_role(self, *roles: str) -> bool:
        return self.is_active and not self.role_set.isdisjoint(roles)
