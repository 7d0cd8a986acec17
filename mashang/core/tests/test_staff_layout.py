"""Staff pages: readable text, one word per marker, a searchable unit picker, quiet refusals."""

import io
import logging
import re

from django.contrib.staticfiles import finders
from django.urls import reverse

from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.core.logfilters import RefusalsWithoutTraceback


def test_staff_pages_have_a_16px_base_text():
    css = open(finders.find("core/staff.css"), encoding="utf-8").read()
    body = re.search(r"\bbody\{([^}]*)\}", css).group(1)
    assert re.search(r"font:16px/", body), body
    # No control text below 16px: buttons and inputs inherit or say 16px.
    btn = re.search(r"\.btn\{([^}]*)\}", css).group(1)
    assert "font-size:16px" in btn
    assert "input,select,textarea,button{font:inherit}" in css  # controls too, not 13px


def test_the_inbox_marks_unread_without_repeating_new(client, file, people, county):  # noqa: F811
    from mashang.appeals import actions

    actions.dispatch_appeal(file(), county.units.housing, acting_user=people.dispatcher)
    client.force_login(people.handler_a)
    page = client.get(reverse("inbox")).content.decode()
    assert "新派单" in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "新 新派单" not in text and "新新派单" not in text
    assert "未读" in text


def test_co_handling_units_are_searchable_checkboxes(client, file, people):  # noqa: F811
    appeal = file()
    client.force_login(people.dispatcher)
    page = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
    assert '<select name="co_units"' not in page
    assert 'type="search" id="co-filter"' in page
    boxes = re.findall(r'<input type="checkbox" name="co_units" value="(\d+)">', page)
    assert len(boxes) >= 3
    response = client.post(
        reverse("appeal_action", args=[appeal.pk, "dispatch"]),
        {"lead_unit": boxes[0], "co_units": boxes[1:3], "urgency": "normal"},
    )
    assert response.status_code == 302
    assert appeal.assignments.filter(role="co", active=True).count() == 2


def test_a_refused_staff_page_uses_the_staff_layout(client, people):
    client.force_login(people.handler_a)
    response = client.get(reverse("desk"))
    page = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in page and 'id="forbidden"' in page and "c-top" not in page
    assert reverse("workbench") in page  # the person's own menu


def test_a_refused_request_is_one_log_line_without_traceback(client, people):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RefusalsWithoutTraceback) for f in h.filters)
    )
    out = io.StringIO()
    old = handler.setStream(out)
    try:
        client.force_login(people.handler_a)
        assert client.get(reverse("desk")).status_code == 403
        assert client.get("/staff/appeals/999999/").status_code == 404
    finally:
        handler.setStream(old)
    text = out.getvalue()
    assert "Forbidden (Permission denied): /staff/desk/" in text
    assert "Traceback" not in text and "PermissionDenied" not in text
    assert len([line for line in text.splitlines() if line.strip()]) == 2, text
