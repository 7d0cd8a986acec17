"""QR code placements: a place + a kind of code + the addressee unit whose posts it speaks to."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from mashang.directory.models import Division, Unit

from .choices import KIND_TITLES, PlacementStatus, QRKind

# Crockford-style alphabet: no 0/O, 1/I/L, easy to read out on the phone.
MANUAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits: unguessable


def new_manual_code() -> str:
    return "".join(secrets.choice(MANUAL_ALPHABET) for _ in range(8))


class Placement(models.Model):
    """One poster on one wall. Retiring keeps it (and its scans); reissuing makes a successor."""

    kind = models.CharField("二维码类型", max_length=20, choices=QRKind.choices)
    division = models.ForeignKey(
        Division,
        verbose_name="张贴地点（区划）",
        on_delete=models.PROTECT,
        related_name="placements",
    )
    place_unit = models.ForeignKey(
        Unit,
        verbose_name="张贴单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="placements_here",
    )
    place_label = models.CharField("张贴位置", max_length=80)
    addressee_unit = models.ForeignKey(
        Unit,
        verbose_name="受理对象单位",
        on_delete=models.PROTECT,
        related_name="placements_addressed",
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    manual_code = models.CharField(
        "手动输入码", max_length=12, unique=True, default=new_manual_code, editable=False
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=PlacementStatus.choices,
        default=PlacementStatus.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)
    retired_reason = models.CharField("停用原因", max_length=120, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name="换发为",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    scan_count = models.PositiveIntegerField("扫码次数", default=0)
    last_scanned_at = models.DateTimeField("最近扫码", null=True, blank=True)

    class Meta:
        verbose_name = "二维码张贴点"
        verbose_name_plural = "二维码张贴点"
        ordering = ["division__code", "kind", "id"]
        indexes = [models.Index(fields=["division", "kind"])]

    def __str__(self) -> str:
        return f"{self.place_label} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("qr_scan", args=[self.token])

    @property
    def is_active(self) -> bool:
        return self.status == PlacementStatus.ACTIVE

    @property
    def url(self) -> str:
        """The address printed in the QR code."""
        return settings.SITE_URL + self.get_absolute_url()

    def addressee_positions(self):
        titles = KIND_TITLES[QRKind(self.kind)]
        positions = [p for p in self.addressee_unit.positions.all() if p.title in titles]
        return sorted(positions, key=lambda p: titles.index(p.title))

    @property
    def addressee_label(self) -> str:
        """E.g. "县住房和城乡建设局局长" or "茶市镇党委书记、镇长" — posts, never persons."""
        unit = self.addressee_unit
        name = unit.short_name or unit.name
        if self.kind == QRKind.BUREAU:
            if name.endswith("局"):
                return f"{name}局长"
            return f"{name}{'主任' if name.endswith(('办公室', '中心')) else '主要负责人'}"
        if self.kind == QRKind.TOWNSHIP:
            if name.endswith("街道"):
                return f"{name}党工委书记、主任"
            return f"{name}党委书记、{'乡长' if name.endswith('乡') else '镇长'}"
        if self.kind == QRKind.DISCIPLINE:
            return "县纪委书记"
        if self.kind == QRKind.COUNTY_MAYOR:
            return "县长"
        return "县委书记"
