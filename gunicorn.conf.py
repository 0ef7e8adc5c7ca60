"""gunicorn reads this file from the working directory by itself (the project root, as scripts/setup_and_run.sh and
the deployment's unit run it). It makes /metrics correct with several workers (docs/operations.md "Observability").

Each worker process counts its own requests; prometheus_client's multiprocess mode keeps every process's values in
files under PROMETHEUS_MULTIPROC_DIR and /metrics adds them up, whichever worker answers the scrape. The directory
is emptied when gunicorn starts (counters start again from zero, which Prometheus reads as a restart) and a dead
worker's live-only values are dropped. Run one gunicorn per directory.
"""

import os
import shutil
from pathlib import Path

# Set before the application (and prometheus_client) is imported in any worker, --preload included.
MULTIPROC_DIR = Path(
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(__file__).resolve().parent / "var" / "prometheus"))
)
# The request id (RequestIdMiddleware's X-Request-ID) on each access-log line, to find its application log records.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)ss rid=%({x-request-id}o)s'


def on_starting(server):
    if MULTIPROC_DIR.exists():
        shutil.rmtree(MULTIPROC_DIR)
    MULTIPROC_DIR.mkdir(parents=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(MULTIPROC_DIR))
