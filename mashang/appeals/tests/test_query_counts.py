"""List pages run the same number of SQL queries whatever the number of rows."""

import re

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


def test_the_appeal_page_reads_place_names_and_units_with_the_appeal(client, people, codes, file):
    """Issue 15: the appeal page at the desk in 11 statements (15 before; one more when it
    has repeats to show): the place's names
    come with the appeal (its division's parents), the code's addressee is the appeal's unit,
    the township government is found in the dispatch form's unit list, and no co-units are
    read before a dispatch."""
    appeal = file(codes.township)  # at a hamlet: village, township and county above it
    client.force_login(people.dispatcher)
    url = reverse("appeal_detail", args=[appeal.pk])
    client.get(url)  # the calendar's and the texts' caches are filled
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    page = response.content.decode()
    assert "衡南县茶市镇新塘村老屋场党小组" in page
    assert "受理对象 茶市镇党委书记、镇长" in page
    assert "茶市镇人民政府（诉求所在乡镇）" in page or "所在乡镇（二维码受理对象）" in page
    tables = [re.search(r'FROM "(\w+)"', q["sql"]) for q in ctx.captured_queries]
    tables = [m.group(1) for m in tables if m]
    assert "directory_division" not in tables  # joined to the appeal's query, not read alone
    assert "appeals_assignment" not in tables
    assert tables.count("directory_unit") == 1  # the dispatch form's list, nothing else
    assert len(ctx.captured_queries) <= 11, "\n".join(q["sql"] for q in ctx.captured_queries)


def test_place_text_from_the_loaded_parents_is_the_one_the_database_gives(codes, file):
    from mashang.appeals.models import Appeal
    from mashang.appeals.staff import PLACE_PARENTS

    appeal = file(codes.township, content="路灯坏了，在老屋场党小组门口，请尽快修复。")
    plain = Appeal.objects.get(pk=appeal.pk)
    expected = plain.place_text  # read from the database (Division.ancestors)
    loaded = Appeal.objects.select_related(PLACE_PARENTS).get(pk=appeal.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert loaded.place_text == expected == "衡南县茶市镇新塘村老屋场党小组"
    assert ctx.captured_queries == []
    county_level = Appeal.objects.select_related("division").get(
        pk=file(codes.bureau, phone="13800000009").pk
    )
    assert county_level.place_text == "衡南县"  # a county-level code: no parents needed


def test_the_suggested_township_government_is_the_same_from_the_unit_list(codes, file, county):
    from mashang.appeals.queries import dispatch_units, suggest_units
    from mashang.directory.models import Unit

    # A second, later township unit of the same place: the first in sort order is suggested.
    Unit.objects.create(
        name="茶市镇便民服务站", kind="township", division=county.town_a, sort_order=5
    )
    appeal = file(codes.bureau, phone="13800000010")
    appeal.division = county.hamlet_a
    from_db = [(u.pk, u.name, why) for u, why in suggest_units(appeal)]
    from_list = [(u.pk, u.name, why) for u, why in suggest_units(appeal, dispatch_units())]
    assert from_list == from_db
    assert from_db[1] == (county.units.town_a.pk, "茶市镇人民政府", "诉求所在乡镇")


def test_the_township_filter_is_read_once_and_again_when_a_division_changes(client, people, county):
    """The lists' township dropdown and township column come from the cache: no division is
    read for a list page until a division is added, renamed or removed."""
    from mashang.directory.models import Division

    client.force_login(people.dispatcher)

    def desk():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("desk")).content.decode()
        return page, [q["sql"] for q in ctx.captured_queries if "directory_division" in q["sql"]]

    desk()
    page, reads = desk()
    assert reads == []
    assert '<option value="430422101">茶市镇</option>' in page
    town = Division.objects.create(
        code="430422103", name="花桥镇", level="township", parent=county.county
    )
    page, reads = desk()
    assert '<option value="430422103">花桥镇</option>' in page and len(reads) == 1
    town.name = "花桥新镇"
    town.save()
    assert '<option value="430422103">花桥新镇</option>' in desk()[0]
    town.delete()
    assert "430422103" not in desk()[0]


def test_the_desk_shows_a_new_accusation_at_once(client, people, codes, file):
    client.force_login(people.dispatcher)
    assert "检举控告 0 件" in client.get(reverse("desk")).content.decode()
    file(codes.discipline, type="accusation", phone="13800000011")
    assert "检举控告 1 件" in client.get(reverse("desk")).content.decode()


def test_the_filter_form_marks_the_chosen_options(client, people, county):
    client.force_login(people.dispatcher)
    page = client.get(
        reverse("desk"),
        {"status": "dispatched", "kind": "bureau", "township": "430422102", "waiting": "24"},
    ).content.decode()
    for option in [
        '<option value="dispatched" selected>',
        '<option value="bureau" selected>',
        '<option value="430422102" selected>冠市镇</option>',
        '<option value="24" selected>1天</option>',
    ]:
        assert option in page
    assert page.count(" selected>") == 4
