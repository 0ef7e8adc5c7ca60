"""`manage.py task_worker [db_worker's options] [--heartbeat-interval 10]`: django-tasks-db's worker, with a heartbeat.

Runs the same `Worker` as `manage.py db_worker` (every option of it works) and, while it lives, beats its row
`worker:<worker id>` in `core.Heartbeat` every `--heartbeat-interval` seconds from a background thread; the row is
marked stopped when the worker ends. /healthz answers 503 once no running worker has beaten within
`WORKER_HEARTBEAT_MAX_AGE` seconds: the process is gone, hung or cannot reach the database. A task that runs long
does not stop the beats — the oldest due task's age (in /healthz and /metrics) shows a queue that does not move.
"""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db import close_old_connections, connections
from django_tasks_db.management.commands import db_worker

from gongzhi.core import heartbeat

logger = logging.getLogger(__name__)


class _Beater(threading.Thread):
    def __init__(self, worker_id: str, interval: float, worker: db_worker.Worker) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id, self.interval, self.worker = worker_id, interval, worker
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.wait(self.interval):
                try:
                    heartbeat.worker_beat(self.worker_id, data=self.facts())
                except Exception:  # the database is away for a moment: the next beat tries again
                    logger.exception("heartbeat of worker %s failed", self.worker_id)
                finally:
                    close_old_connections()
        finally:
            connections.close_all()  # this thread's own connection

    def facts(self) -> dict[str, Any]:
        return heartbeat.process_facts() | {"running_task": self.worker.running_task, "queues": self.worker.queue_names}


class Command(db_worker.Command):
    help = "Run the database task worker (as db_worker) and beat its heartbeat for /healthz and /metrics."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--heartbeat-interval",
            type=float,
            default=10.0,
            help="seconds between heartbeats (keep well under WORKER_HEARTBEAT_MAX_AGE; default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """As db_worker's own handle (its options, its logging, its signals), with the heartbeat around the loop."""
        interval = float(options["heartbeat_interval"])
        if not interval > 0:
            raise CommandError("--heartbeat-interval must be more than 0 seconds")
        if options["reload"]:
            raise CommandError("task_worker does not reload on code changes; use db_worker --reload while developing")
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker_id: str = options["worker_id"]
        worker = db_worker.Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        heartbeat.worker_started(worker_id, data=heartbeat.process_facts() | {"queues": queue_names})
        beater = _Beater(worker_id, interval, worker)
        signals = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else [])
        previous = {sig: signal.getsignal(sig) for sig in signals}
        worker.configure_signals()
        beater.start()
        try:
            worker.run()
        finally:
            beater.stop.set()
            beater.join(timeout=interval + 5)
            for sig, handler in previous.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
            try:
                heartbeat.worker_stopped(worker_id)
            except Exception:  # the database is gone; the beats simply age
                logger.exception("could not mark worker %s stopped", worker_id)
