"""Login rules a government system is audited for (等保): lockout after failures, strong passwords."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from .models import Staff


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses a locked account and counts consecutive failures.

    After LOGIN_MAX_FAILURES wrong passwords in a row the account is locked for
    LOGIN_LOCKOUT_MINUTES, even for the right password; a success resets the count.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(Staff.USERNAME_FIELD)
        if username is None or password is None:
            return None
        staff = Staff.objects.filter(username=username).first()
        if staff is None:
            Staff().set_password(password)  # same cost as a real check: no user enumeration by time
            return None
        if staff.is_locked():
            return None
        if staff.check_password(password) and self.user_can_authenticate(staff):
            if staff.failed_logins or staff.locked_until:
                Staff.objects.filter(pk=staff.pk).update(failed_logins=0, locked_until=None)
                staff.failed_logins, staff.locked_until = 0, None
            return staff
        record_login_failure(staff)
        return None


def record_login_failure(staff: Staff) -> None:
    Staff.objects.filter(pk=staff.pk).update(failed_logins=F("failed_logins") + 1)
    staff.refresh_from_db(fields=["failed_logins"])
    if staff.failed_logins >= settings.LOGIN_MAX_FAILURES:
        until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        Staff.objects.filter(pk=staff.pk).update(locked_until=until, failed_logins=0)
        staff.locked_until = until


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, symbols."""

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少三类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类。"
