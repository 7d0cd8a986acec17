import re
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
    client.session.set_expiry(-1)
    session = client.session
    session.set_expiry(timezone.now() - timedelta(seconds=1))
    session.save()
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and reverse("login") in response.url


def session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(pk=client.session.session_key)


def test_requests_renew_the_idle_clock_at_most_once_a_minute(client, people, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, "t_dispatcher", PASSWORD)
    client.get(reverse("staff_home"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("staff_home")).status_code == 200
    assert not [q for q in ctx.captured_queries if "UPDATE" in q["sql"] and "session" in q["sql"]]
    key = client.session.session_key
    type(session_row(client)).objects.filter(pk=key).update(
        expire_date=timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 61)
    )
    assert client.get(reverse("staff_home")).status_code == 200
    left = session_row(client).expire_date - timezone.now()
    assert left > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_short_idle_setting_is_still_renewed_by_use(client, people, settings):
    """SESSION_IDLE_MINUTES=1: a request 30 s after the last save renews the clock (renewing
    at most once a minute would let a session in use end after its minute)."""
    settings.SESSION_COOKIE_AGE = 60
    login(client, "t_dispatcher", PASSWORD)
    key = client.session.session_key
    type(session_row(client)).objects.filter(pk=key).update(
        expire_date=timezone.now() + timedelta(seconds=30)
    )
    assert client.get(reverse("staff_home")).status_code == 200
    assert session_row(client).expire_date - timezone.now() > timedelta(seconds=50)


def test_a_stale_session_cookie_creates_no_session(client, db, settings):
    from django.contrib.sessions.models import Session

    client.cookies[settings.SESSION_COOKIE_NAME] = "stale0000000000000000000000000000"
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("staff_home")).status_code == 302
    assert not Session.objects.exists()


def test_the_user_of_a_request_comes_with_the_unit_in_one_query(people, django_assert_num_queries):
    from mashang.directory.auth import LockoutModelBackend

    backend = LockoutModelBackend()
    with django_assert_num_queries(1):
        assert backend.get_user(people.handler_a.pk).unit == people.handler_a.unit
    people.handler_a.is_active = False
    people.handler_a.save()
    assert backend.get_user(people.handler_a.pk) is None


@pytest.mark.parametrize(
    "weak", ["short1A!", "alllowercaseletters", "1234567890123", "password123"]
)
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_strong_password_is_accepted():
    validate_password("Hengnan#Appeals9")


# ---- issue 11: lockouts that cannot be used as a weapon, and no username oracle ------------


def page_text(response) -> str:
    return response.content.decode()


def test_a_missing_username_is_answered_exactly_like_an_existing_one(client, people, settings):
    settings.LOGIN_IP_MAX_FAILURES = 50  # the per-client throttle is tested below
    for attempt in range(settings.LOGIN_MAX_FAILURES + 1):
        real = login(client, "t_handler_a", "wrong")
        ghost = login(client, "nobody_here", "wrong")
        assert real.status_code == ghost.status_code == 200
        error = re.compile(r'<div class="error" role="alert" id="login-error">(.*?)</div>', re.S)
        real_error = error.search(page_text(real)).group(1)
        assert real_error == error.search(page_text(ghost)).group(1), attempt
    assert "已锁定" in real_error


def test_a_stranger_cannot_lock_a_user_out_of_their_own_browser(client, people, settings):
    from django.test import Client

    assert login(client, "t_handler_a", PASSWORD).status_code == 302  # the user's own browser
    client.post(reverse("logout"))  # signs out, the browser keeps its cookies
    attacker = Client(REMOTE_ADDR="10.66.0.1")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(attacker, "t_handler_a", "wrong")
    people.handler_a.refresh_from_db()
    assert people.handler_a.is_locked()
    assert login(attacker, "t_handler_a", PASSWORD).status_code == 200  # strangers stay out
    assert login(client, "t_handler_a", PASSWORD).status_code == 302  # the known device passes
    assert "_auth_user_id" in client.session


def test_one_client_guessing_across_many_accounts_is_throttled(people, settings):
    from django.test import Client

    from mashang.directory.models import Staff

    for i in range(20):
        Staff.objects.create_user(username=f"clerk{i}", password=PASSWORD, role="handler")
    attacker = Client(REMOTE_ADDR="10.66.0.2")
    answers = [login(attacker, f"clerk{i}", "wrong") for i in range(20)]
    assert "失败次数过多" in page_text(answers[-1])
    # From that client even the right password now fails; nobody's account was locked.
    assert login(attacker, "t_dispatcher", PASSWORD).status_code == 200
    assert not Staff.objects.filter(locked_until__isnull=False).exists()
    assert login(Client(REMOTE_ADDR="10.66.0.3"), "clerk0", PASSWORD).status_code == 302
