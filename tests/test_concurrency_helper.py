"""The race helper itself: every call starts together in its own thread; results (or exceptions) come back in order."""

import threading

from tests.concurrency import run_together


def test_results_come_back_in_call_order_and_exceptions_are_results():
    def boom():
        raise ValueError("refused")

    results = run_together(lambda: 1, boom, lambda: "three")
    assert results[0] == 1 and results[2] == "three"
    assert isinstance(results[1], ValueError) and str(results[1]) == "refused"


def test_the_calls_run_at_the_same_time_in_different_threads():
    # Each call waits for all the others: only possible if they all run at once.
    everyone = threading.Barrier(4, timeout=5)
    results = run_together(*[lambda: (everyone.wait(), threading.get_ident())[1]] * 4)
    assert len(set(results)) == 4, results
