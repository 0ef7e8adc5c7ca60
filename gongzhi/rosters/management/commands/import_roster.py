from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gongzhi.core.errors import DomainError
from gongzhi.rosters import actions
from gongzhi.rosters.models import ImportMode, ImportStatus, RosterKind


class Command(BaseCommand):
    help = "Import a roster workbook (.xlsx) as a given user, with a progress bar; nothing is written if a row is bad unless --good-rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=RosterKind.values)
        parser.add_argument("--user", required=True, help="username of the importer; their area scope applies")
        parser.add_argument("--good-rows", action="store_true", help="write the good rows even when some rows are bad")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"file not found: {path}")
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"no such user: {opts['user']}")
        mode = ImportMode.GOOD_ROWS if opts["good_rows"] else ImportMode.ALL_OR_NOTHING
        try:
            with path.open("rb") as fh:
                job = actions.roster_import_start(
                    actor=user, kind=opts["kind"], mode=mode, upload=File(fh, name=path.name), enqueue=False
                )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc

        bars: dict[str, tqdm[Any]] = {}
        labels: dict[str, str] = {ImportStatus.VALIDATING: "校验", ImportStatus.IMPORTING: "写入"}

        def on_progress(phase: str, done: int, total: int) -> None:
            if opts["no_progress"]:
                return
            bar = bars.get(phase)
            if bar is None:
                for other in bars.values():
                    other.close()
                bar = bars[phase] = tqdm(
                    total=total or None, desc=labels.get(phase, phase), unit="行", file=self.stderr
                )
            if total and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        job = actions.roster_import_run(job_id=job.pk, on_progress=on_progress)
        for bar in bars.values():
            bar.close()
        self.stdout.write(
            f"job {job.pk}: {job.get_status_display()} — rows {job.total_rows}, created {job.created_count}, "
            f"updated {job.updated_count}, unchanged {job.unchanged_count}, errors {job.error_count}"
        )
        for e in job.errors[:20]:
            self.stdout.write(f"  {e['sheet']} 第 {e['row']} 行：{e['reason']}")
        if job.error_file:
            self.stdout.write(f"error workbook: {job.error_file.path}")
        if job.message:
            self.stdout.write(job.message)
        if job.status in (ImportStatus.FAILED, ImportStatus.REJECTED):
            raise CommandError(f"import {job.get_status_display()}")
