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
