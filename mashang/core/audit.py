from django.conf import settings
from django.http import HttpRequest

from .models import AuditLog


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address; behind TRUSTED_PROXY_COUNT proxies, read X-Forwarded-For."""
    if request is None:
        return None
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR") or None


def audit(
    action: str,
    *,
    actor=None,
    obj=None,
    request: HttpRequest | None = None,
    detail: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditLog:
    """Write one audit row; `obj` fills the object type and id when given."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=client_ip(request),
        detail=detail[:255],
    )
