"""Bearer tokens for staff scripts and keys for partner systems: stored as SHA-256 digests,
revocable in the admin, the clear value shown once when issued."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

PREFIX = "msb_"
PARTNER_PREFIX = "msp_"
# How stale a partner's "最近使用" may be: written at most once this often.
LAST_USED_STEP = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def county_code() -> str:
    return getattr(settings, "COUNTY_CODE", "430422")


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="工作人员",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField("用途", max_length=60)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """Create a token; the clear value is returned once and never stored."""
        raw = PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, key_digest=digest(raw)), raw


class PartnerSystem(models.Model):
    """Another platform that files appeals over Open311 (the city's 12345 hotline, a WeChat
    mini-program…). Its `api_key` is checked on every POST; one key per system, revocable."""

    name = models.CharField("系统名称", max_length=60, unique=True)
    jurisdiction_id = models.CharField(
        "辖区代码",
        max_length=20,
        default=county_code,
        help_text="密钥只在这个辖区有效（本县为 430422）。",
    )
    hourly_limit = models.PositiveIntegerField(
        "每小时提交上限", default=300, help_text="超过后该系统的提交被拒绝，直到下一个小时。"
    )
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "对接系统"
        verbose_name_plural = "对接系统（Open311）"

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def new_key(self) -> str:
        """Set a fresh key (the old one stops working) and return it; only the digest is kept."""
        raw = PARTNER_PREFIX + secrets.token_urlsafe(32)
        self.key_digest = digest(raw)
        self.revoked_at = None
        return raw

    @classmethod
    def issue(cls, name: str, jurisdiction_id: str | None = None) -> tuple["PartnerSystem", str]:
        partner = cls(name=name, jurisdiction_id=jurisdiction_id or county_code())
        raw = partner.new_key()
        partner.save()
        return partner, raw

    def mark_used(self) -> None:
        """Record a filing in `last_used_at`, at most once a minute (as `LAST_USED_STEP`).

        Outside the filing's transaction: a row lock on the partner held to every commit made
        the partner's concurrent filings queue behind each other. The conditional update keeps
        several workers from all writing the same minute."""
        now = timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_STEP:
            return
        stale = models.Q(last_used_at__isnull=True) | models.Q(
            last_used_at__lte=now - LAST_USED_STEP
        )
        PartnerSystem.objects.filter(stale, pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    @classmethod
    def for_key(cls, raw: str) -> "PartnerSystem | None":
        """The active system holding this key, whatever its jurisdiction (the caller checks)."""
        if not raw:
            return None
        return cls.objects.filter(key_digest=digest(raw), revoked_at__isnull=True).first()


class PartnerRequest(models.Model):
    """Which partner system filed which appeal: it alone reads the citizen's own words back."""

    partner = models.ForeignKey(
        PartnerSystem, verbose_name="对接系统", on_delete=models.PROTECT, related_name="requests"
    )
    appeal = models.OneToOneField(
        "appeals.Appeal", verbose_name="诉求", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    # The partner's link to the citizen's photo: shown to staff as a link, never fetched.
    media_url = models.URLField("图片链接", max_length=1000, blank=True)

    class Meta:
        verbose_name = "对接系统提交记录"
        verbose_name_plural = "对接系统提交记录"
