"""Where a running import reports how far it got.

While rows are validated no transaction is open, so progress goes straight onto the job row. While rows are
written, one transaction holds everything: on SQLite it also holds the only write lock, and the database cache
shares that connection, so neither the job row nor the cache could show progress before the commit. Progress of
the write pass therefore goes to a small file beside the uploaded workbook. The web process and the worker already
share that storage (the worker reads the upload from it), so this adds no new requirement.
"""

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings


def _path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "rosters" / "progress" / f"{job_id}.json"


def progress_write(job_id: int, *, phase: str, done: int, total: int) -> None:
    path = _path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"phase": phase, "done": done, "total": total}))
    os.replace(tmp, path)  # readers see the old or the new content, never half of it


def progress_read(job_id: int) -> dict[str, Any] | None:
    try:
        data = json.loads(_path(job_id).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def progress_clear(job_id: int) -> None:
    _path(job_id).unlink(missing_ok=True)
