import os

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def encryption_keys_configured(app_configs, **kwargs):
    """Production must bring its own keys for reporters' personal data (never the demo ones)."""
    if settings.DEMO_MODE:
        return []
    errors = []
    for name in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        if not os.environ.get(name):
            errors.append(
                Error(f"{name} is not set", hint="See README: Settings.", id="mashang.E001")
            )
    return errors


@register(deploy=True)
def sms_backend_is_real(app_configs, **kwargs):
    """console and file backends write phones and codes in clear: not for production."""
    from django.core.checks import Warning

    if settings.DEMO_MODE:
        return []
    backend = os.environ.get("SMS_BACKEND", "console")
    if backend in ("console", "file"):
        return [
            Warning(
                f"SMS_BACKEND={backend} writes phone numbers and codes in clear",
                hint="Set SMS_BACKEND=http and SMS_HTTP_URL.",
                id="mashang.W001",
            )
        ]
    return []


@register(deploy=True)
def site_url_configured(app_configs, **kwargs):
    """Posters, SMS links and Open311 discovery print SITE_URL: production must say it."""
    if settings.DEMO_MODE:
        return []
    url = os.environ.get("SITE_URL", "")
    if not url:
        return [
            Error(
                "SITE_URL is not set: QR codes and SMS links would point at this machine",
                hint="Set SITE_URL=https://your.public.host (see README: Settings).",
                id="mashang.E002",
            )
        ]
    if not url.startswith("https://"):
        from django.core.checks import Warning

        return [Warning("SITE_URL should be https://", id="mashang.W002")]
    return []
