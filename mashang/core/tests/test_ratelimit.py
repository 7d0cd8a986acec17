"""Rate limits count atomically on the real store (issue 11, item 9)."""

import threading
import uuid

import pytest
from django.db import connection

from mashang.core.ratelimit import allow


@pytest.mark.django_db(transaction=True)
def test_a_parallel_burst_lets_through_exactly_the_limit():
    """40 requests at once against a limit of 30: the database upsert (SQLite, PostgreSQL)
    or Redis INCR, whichever the settings configure, lets exactly 30 through."""
    key = f"burst:{uuid.uuid4().hex}"
    start = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def client():
        try:
            start.wait()
            mine = [allow(key, 30, 3600) for _ in range(5)]
            with lock:
                results.extend(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 40
    assert results.count(True) == 30


def test_a_key_of_any_length_is_still_counted(db):
    key = "track:no:" + "9" * 5000  # what a client typed
    assert [allow(key, 2, 60) for _ in range(3)] == [True, True, False]


def test_counting_inside_a_transaction_leaves_it_usable(db):
    from django.db import transaction

    from mashang.directory.models import Staff

    with transaction.atomic():
        assert [allow("inside", 1, 60) for _ in range(2)] == [True, False]
        assert Staff.objects.count() == 0  # the caller's transaction still works


def check_in_order(uid: str) -> list[int]:
    """Three checks of two rules, the first allowing 2: the third trips it, and the second rule
    counts only the checks that got past the first (the loop's order, kept by Redis' script)."""
    from mashang.core.ratelimit import RateLimited, check, peek

    rules = [(f"first:{uid}", 2, 60), (f"second:{uid}", 5, 60)]
    refused = 0
    for _ in range(3):
        try:
            check(rules, "太频繁")
        except RateLimited:
            refused += 1
    return [refused, peek(f"first:{uid}", 60), peek(f"second:{uid}", 60)]


def test_check_stops_counting_at_the_first_rule_that_trips(db):
    assert check_in_order(uuid.uuid4().hex) == [1, 3, 2]
