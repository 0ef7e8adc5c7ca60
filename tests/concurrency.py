"""Race tests: start several calls at the same moment in threads, each with its own database connection.

The database decides these races (row locks, unique constraints), so the tests that use this run on PostgreSQL
only (``POSTGRES_ONLY``); SQLite serialises writers, so the races would not happen there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; runs in the PG pass"),
]


def postgres_only(test: Callable[..., Any]) -> Callable[..., Any]:
    """The marks of POSTGRES_ONLY as a decorator for one test in a file that otherwise runs everywhere."""
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run every call in its own thread, all released at once by a barrier; return each call's result in order.

    A call that raises gives its exception as its result, for the test to assert on. Each thread closes its
    database connections when done, so none is left open for the test database's teardown.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # collected and asserted by the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
