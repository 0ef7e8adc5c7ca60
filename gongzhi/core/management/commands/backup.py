"""`manage.py backup`: an encrypted, dated archive of the database and the media files; old ones pruned."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.backup import BackupError, backup_create, prune


class Command(BaseCommand):
    help = (
        "Back up the database and MEDIA_ROOT into an encrypted archive in BACKUP_DIR, then prune old archives "
        "(BACKUP_KEEP_DAILY / BACKUP_KEEP_WEEKLY). 备份数据库与媒体文件（加密）。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dir", type=Path, help="directory of the archives (default BACKUP_DIR)")
        parser.add_argument("--keep-daily", type=int, help="newest archive of each of the last N days to keep")
        parser.add_argument("--keep-weekly", type=int, help="newest archive of each of the last M weeks to keep")
        parser.add_argument("--no-prune", action="store_true", help="keep every archive")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["dir"] or Path(settings.BACKUP_DIR)
        keep_daily = options["keep_daily"] if options["keep_daily"] is not None else settings.BACKUP_KEEP_DAILY
        keep_weekly = options["keep_weekly"] if options["keep_weekly"] is not None else settings.BACKUP_KEEP_WEEKLY
        if keep_daily < 1 or keep_weekly < 0:
            raise CommandError("保留规则无效：每日至少保留 1 份 / bad retention: keep at least 1 daily archive")
        verbose = options["verbosity"] >= 1
        progress = (lambda line: self.stdout.write("  " + line)) if verbose else (lambda _line: None)
        try:
            result = backup_create(
                directory=directory, secret=settings.BACKUP_KEY, alias=options["database"], progress=progress
            )
            pruned = [] if options["no_prune"] else prune(directory, keep_daily=keep_daily, keep_weekly=keep_weekly)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成 / backup written: {result.path} ({result.size:,} bytes; {len(result.tables)} tables, "
                f"{rows:,} rows, {result.media_files} media files)"
            )
        )
        for path in pruned:
            self.stdout.write(f"  pruned {path.name}")
        if not options["no_prune"]:
            self.stdout.write(f"retention: {keep_daily} daily, {keep_weekly} weekly; {len(pruned)} archives pruned")
