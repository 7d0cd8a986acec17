from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mashang.core.models import AuditLog
from mashang.testing import PASSWORD


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_staff_logs_in_and_lands_on_workbench(client, people):
    response = login(client, "t_dispatcher", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("staff_home")
    assert AuditLog.objects.filter(action="login", actor=people.dispatcher).exists()


def test_wrong_password_says_what_to_do_and_is_audited(client, people):
    response = login(client, "t_dispatcher", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "错误：" in response.content.decode()
    assert AuditLog.objects.filter(action="login_failed", detail="t_dispatcher").exists()


def test_five_failures_lock_the_account_even_for_the_right_password(client, people, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "t_handler_a", "wrong")
    people.handler_a.refresh_from_db()
    assert people.handler_a.is_locked()
    response = login(client, "t_handler_a", PASSWORD)
    assert response.status_code == 200
    assert "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_the_lockout_period(client, people, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "t_handler_a", "wrong")
    people.handler_a.refresh_from_db()
    people.handler_a.locked_until = timezone.now() - timedelta(seconds=1)
    people.handler_a.save()
    assert login(client, "t_handler_a", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(client, people, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "t_handler_a", "wrong")
    assert login(client, "t_handler_a", PASSWORD).status_code == 302
    people.handler_a.refresh_from_db()
    assert people.handler_a.failed_logins == 0
    client.logout()
    login(client, "t_handler_a", "wrong")
    people.handler_a.refresh_from_db()
    assert not people.handler_a.is_locked()


def test_the_lock_also_guards_the_admin_login(client, people, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/admin/login/", {"username": "t_admin", "password": "wrong"})
    assert not client.login(username="t_admin", password=PASSWORD)


def test_inactive_staff_cannot_log_in(client, people):
    people.handler_b.is_active = False
    people.handler_b.save()
    assert login(client, "t_handler_b", PASSWORD).status_code == 200


def test_session_expires_after_idle_time(client, people, settings):
    login(client, "t_dispatcher", PASSWORD)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request renews: an idle timeout
    client.session.set_expiry(-1)
    session = client.session
    session.set_expiry(timezone.now() - timedelta(seconds=1))
    session.save()
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and reverse("login") in response.url


@pytest.mark.parametrize(
    "weak", ["short1A!", "alllowercaseletters", "1234567890123", "password123"]
)
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_strong_password_is_accepted():
    validate_password("Hengnan#Appeals9")
