"""`manage.py rotate_pii_key`: re-encrypt every stored personal number and recompute its lookup hash under PII_KEY.

Run with PII_KEY = the new key and PII_KEY_PREVIOUS = the old one (in every process of the platform, which keeps
serving meanwhile); resumable; refuses a second run at the same time. docs/operations.md "Rotating PII_KEY".
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gongzhi.core import pii_rotation
from gongzhi.core.pii_rotation import FieldGroup, RotationError


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field and recompute every lookup hash under PII_KEY, reading PII_KEY_PREVIOUS; "
        "in batches, resumable, one run at a time. 轮换个人信息密钥。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=pii_rotation.BATCH_SIZE, help="rows per transaction")
        parser.add_argument(
            "--lease-seconds",
            type=int,
            default=pii_rotation.LEASE_SECONDS,
            help="a run whose last heartbeat is older than this counts as stopped (default 300)",
        )
        parser.add_argument(
            "--take-over", action="store_true", help="resume a run whose process is known to be gone, at once"
        )
        parser.add_argument("--status", action="store_true", help="say how far the rotation got, change nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            self._status()
            return
        bars: dict[str, Any] = {}
        quiet = options["no_progress"] or options["verbosity"] < 1

        def on_group(group: FieldGroup, total: int) -> None:
            for bar in bars.values():
                bar.close()
            bars[group.label] = tqdm(total=total, desc=group.label, unit="row", disable=quiet, file=self.stderr)

        def progress(group: FieldGroup, done: int, total: int) -> None:
            bars[group.label].update(done)

        try:
            state = pii_rotation.rotate(
                batch_size=options["batch_size"],
                lease_seconds=options["lease_seconds"],
                take_over=options["take_over"],
                progress=progress,
                on_group=on_group,
            )
        except RotationError as exc:
            raise CommandError(str(exc)) from None
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"轮换完成 / rotation to key {state.key_id} complete ({state.rows_rewritten:,} rows rewritten, "
                f"started {state.started_at:%Y-%m-%d %H:%M}, finished {state.finished_at:%Y-%m-%d %H:%M}). Now remove "
                "PII_KEY_PREVIOUS from every process's environment and restart them."
            )
        )
        self._report_unrecovered(state)

    def _report_unrecovered(self, state: Any) -> None:
        for label, pks in pii_rotation.unrecovered(state).items():
            self.stdout.write(
                self.style.WARNING(
                    f"{label}: {len(pks)} rows hold only a hash of a number stored nowhere else, which no key can "
                    f"recompute (ids {pks[:20]}); they will no longer match once PII_KEY_PREVIOUS is removed"
                )
            )

    def _status(self) -> None:
        try:
            state = pii_rotation.current_rotation()
        except RotationError as exc:
            raise CommandError(str(exc)) from None
        if state is None:
            self.stdout.write("No rotation to the current PII_KEY has been started.")
            return
        done = "finished " + f"{state.finished_at:%Y-%m-%d %H:%M}" if state.finished_at else "not finished"
        running = f"; running in {state.owner}, heartbeat {state.heartbeat_at}" if state.owner else ""
        self.stdout.write(f"Rotation {state.previous_key_id} → {state.key_id}: {done}{running}")
        for label, mark in sorted(state.progress.items()):
            self.stdout.write(f"  {label}: {'done' if mark.get('done') else 'up to id ' + str(mark.get('last'))}")
        self._report_unrecovered(state)
