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
