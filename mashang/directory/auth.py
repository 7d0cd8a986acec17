"""Login rules a government system is audited for (等保): lockout after failures, strong passwords."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature
from django.db.models import F
from django.utils import timezone

from mashang.core.audit import client_ip
from mashang.core.ratelimit import hit, peek

from .models import Staff

KNOWN_DEVICE_COOKIE = "mashang_device"
KNOWN_DEVICE_SALT = "mashang.directory.known-device"
KNOWN_DEVICE_DAYS = 90
IP_FAILURE_WINDOW = 15 * 60


class LockoutModelBackend(ModelBackend):
    """ModelBackend that throttles by client and by account, and cannot be turned into a
    weapon against a legitimate user (issue 11).

    - Per client: after LOGIN_IP_MAX_FAILURES wrong passwords in 15 minutes from one IP, that
      IP is refused for every account, right password or not.
    - Per account: after LOGIN_MAX_FAILURES wrong passwords in a row the account is locked for
      LOGIN_LOCKOUT_MINUTES, except for the right password from a browser this person signed
      in from before (a signed "known device" cookie): a stranger can lock the account for
      strangers only.
    - A username that does not exist goes through the same steps (its failures are counted
      in the rate store), so the answers, "locked" included, never tell whether it exists.
    The reason for a refusal is left on `request.login_refusal` for the form's message.
    """

    def get_user(self, user_id):
        """The user of a request, with the unit the staff bar names on every page (one query,
        not two)."""
        user = Staff.objects.select_related("unit").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(Staff.USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request) or "unknown"
        if _ip_failures(ip) >= settings.LOGIN_IP_MAX_FAILURES:
            _refuse(request, "ip")
            Staff().set_password(password)  # same cost either way
            return None
        staff = Staff.objects.filter(username=username).first()
        lock = _AccountLock(username, staff)
        if lock.is_locked() and not (staff is not None and _known_device(request, staff)):
            Staff().set_password(password)
            _refuse(request, "locked")
            return None
        if staff is None:
            Staff().set_password(password)  # same cost as a real check: no user enumeration by time
            ok = False
        else:
            ok = staff.check_password(password) and self.user_can_authenticate(staff)
        if ok:
            lock.reset()
            return staff
        hit(f"login:ip:{ip}", IP_FAILURE_WINDOW)
        if lock.fail():
            _refuse(request, "locked")
        return None


def _refuse(request, reason: str) -> None:
    if request is not None:
        request.login_refusal = reason


def _ip_failures(ip: str) -> int:
    return peek(f"login:ip:{ip}", IP_FAILURE_WINDOW)


class _AccountLock:
    """Consecutive failures and the lock: on the Staff row for an account (the admin shows and
    clears it), in the cache for a username that does not exist, with the same rules."""

    def __init__(self, username: str, staff: Staff | None):
        self.staff = staff
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        self.key = f"login:ghost:{digest}"

    def _state(self) -> tuple[int, object]:
        if self.staff is not None:
            return self.staff.failed_logins, self.staff.locked_until
        failed, until = cache.get(self.key, (0, None))
        return failed, until

    def is_locked(self) -> bool:
        _failed, until = self._state()
        return bool(until and until > timezone.now())

    def reset(self) -> None:
        if self.staff is not None and (self.staff.failed_logins or self.staff.locked_until):
            Staff.objects.filter(pk=self.staff.pk).update(failed_logins=0, locked_until=None)
            self.staff.failed_logins, self.staff.locked_until = 0, None

    def fail(self) -> bool:
        """Count a wrong password; True when this one locks the account."""
        if self.staff is not None:
            return record_login_failure(self.staff)
        failed, until = self._state()
        failed += 1
        locked = failed >= settings.LOGIN_MAX_FAILURES
        if locked:
            until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            failed = 0
        cache.set(self.key, (failed, until), settings.LOGIN_LOCKOUT_MINUTES * 60 + 86400)
        return locked


def record_login_failure(staff: Staff) -> bool:
    Staff.objects.filter(pk=staff.pk).update(failed_logins=F("failed_logins") + 1)
    staff.refresh_from_db(fields=["failed_logins"])
    if staff.failed_logins >= settings.LOGIN_MAX_FAILURES:
        until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        Staff.objects.filter(pk=staff.pk).update(locked_until=until, failed_logins=0)
        staff.locked_until = until
        return True
    return False


def _device_staff(request) -> list[int]:
    if request is None:
        return []
    try:
        value = request.get_signed_cookie(
            KNOWN_DEVICE_COOKIE,
            salt=KNOWN_DEVICE_SALT,
            max_age=KNOWN_DEVICE_DAYS * 86400,
        )
    except (KeyError, BadSignature):
        return []
    return [int(p) for p in value.split(",") if p.isdigit()]


def _known_device(request, staff: Staff) -> bool:
    return staff.pk in _device_staff(request)


def remember_device(request, response, staff: Staff) -> None:
    """After a successful sign-in: this browser is a known device for `staff` (90 days)."""
    ids = [p for p in _device_staff(request) if p != staff.pk] + [staff.pk]
    response.set_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        ",".join(str(p) for p in ids[-5:]),
        salt=KNOWN_DEVICE_SALT,
        max_age=KNOWN_DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


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
