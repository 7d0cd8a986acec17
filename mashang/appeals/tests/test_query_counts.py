"""List pages run the same number of SQL queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mashang.appeals import actions
from mashang.testing import PASSWORD


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add(file, codes, people, county, n, *, dispatch=False, offset=0):
    for i in range(n):
        placement = codes.township if i % 2 else codes.bureau
        appeal = file(placement, phone=f"1380000{offset + i:04d}")
        if dispatch:
            actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)


@pytest.mark.parametrize(
    ("who", "url", "dispatch"),
    [
        ("dispatcher", "desk", False),
        ("handler_a", "workbench", True),
        ("supervisor", "callbacks", False),
    ],
)
def test_list_pages_have_a_fixed_query_count(
    client, people, county, codes, file, who, url, dispatch, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.login(username=getattr(people, who).username, password=PASSWORD)
    add(file, codes, people, county, 3, dispatch=dispatch)
    few = count_queries(client, reverse(url), {"tab": "all"} if url == "workbench" else {})
    from django.core.cache import cache

    from mashang.deadlines import calendar

    cache.clear()
    calendar.clear_cache()  # the confirmed years are read once a minute: count that read again
    add(file, codes, people, county, 12, dispatch=dispatch, offset=100)
    many = count_queries(client, reverse(url), {"tab": "all"} if url == "workbench" else {})
    print(f"\n{url}: {few} queries with 3 rows, {many} with 15")
    assert few == many


def test_the_confirm_step_takes_a_bounded_number_of_statements(client, codes):
    """Issue 15: confirming an SMS code files the appeal in 13 statements that read or write
    rows (18 before: the placement, its division and its unit were read one by one only to
    copy their ids, and the year's counter took five)."""
    import re

    from .test_intake_form import file_appeal, sms_code_from_outbox, submit

    file_appeal(client, codes.township)  # the caches of texts and calendar are filled
    response = submit(client, codes.township, form_token="tok-2", phone="13800138001")
    assert response.status_code == 302
    code = sms_code_from_outbox()
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(response.url, {"code": code})
    assert response.status_code == 200 and "查询码" in response.content.decode()
    work = [
        q["sql"]
        for q in ctx.captured_queries
        if not re.match(r"(BEGIN|COMMIT|SAVEPOINT|RELEASE)", q["sql"])
    ]
    assert len(work) <= 13, "\n".join(work)
