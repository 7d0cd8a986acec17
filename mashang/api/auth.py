from django.utils import timezone
from ninja.security import HttpBearer

from mashang.core.ratelimit import allow

from .errors import ApiError
from .models import ApiToken, digest

# Calls per token and minute: ample for a script, a stop for a runaway loop.
TOKEN_LIMIT = (120, 60)


class StaffToken(HttpBearer):
    """`Authorization: Bearer msb_…`: the token's member of staff acts, with their own rights.

    Each token has its own rate limit, so one runaway script cannot starve the others."""

    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("user", "user__unit")
            .filter(key_digest=digest(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        limit, window = TOKEN_LIMIT
        if not allow(f"api:token:{found.pk}", limit, window):
            raise ApiError(429, "rate_limited", "此令牌的请求太频繁了，请一分钟后再试")
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user
