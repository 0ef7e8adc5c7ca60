"""`manage.py restore ARCHIVE`: bring a backup back into an empty database and an empty MEDIA_ROOT."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive of manage.py backup into the (empty) database of DATABASE_URL and the (empty) "
        "MEDIA_ROOT; refuses a database with any table. 将备份恢复到空数据库。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 1
        progress = (lambda line: self.stdout.write("  " + line)) if verbose else (lambda _line: None)
        try:
            result = backup_restore(
                archive=options["archive"], secret=settings.BACKUP_KEY, alias=options["database"], progress=progress
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成 / restored {options['archive'].name} (taken {result.manifest['created_at']}): "
                f"{result.tables} tables, {result.rows:,} rows, {result.media_files} media files"
            )
        )
