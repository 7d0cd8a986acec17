from django.utils import timezone
from ninja.security import HttpBearer

from .models import ApiToken, digest


class StaffToken(HttpBearer):
    """`Authorization: Bearer msb_…`: the token's member of staff acts, with their own rights."""

    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("user", "user__unit")
            .filter(key_digest=digest(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user
