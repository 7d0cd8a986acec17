from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit(
        "login", actor=user, request=request, object_type="directory.staff", object_id=str(user.pk)
    )


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit(
            "logout",
            actor=user,
            request=request,
            object_type="directory.staff",
            object_id=str(user.pk),
        )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit("login_failed", request=request, detail=str(credentials.get("username", ""))[:150])
