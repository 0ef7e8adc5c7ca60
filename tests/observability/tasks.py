"""A task for the worker tests: runs long enough for the heartbeat thread to beat a few times."""

import time

from django_tasks import task


@task()
def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"
