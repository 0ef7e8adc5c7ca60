import shutil
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.areas.models import Area
from gongzhi.core.errors import DomainError
from gongzhi.rosters import actions
from gongzhi.rosters.models import RosterKind


class Command(BaseCommand):
    help = "Export a roster of an area's subtree to .xlsx (masked unless --unmasked, which is audited)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kind", required=True, choices=RosterKind.values)
        parser.add_argument("--area", required=True, help="area code; the export covers its subtree")
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument(
            "--user", help="export as this user (their scope and masking apply); default: the first superuser"
        )
        parser.add_argument("--unmasked", action="store_true", help="full ID and phone numbers (audited)")

    def handle(self, *args: Any, **opts: Any) -> None:
        users = get_user_model().objects
        user = (
            users.filter(username=opts["user"]).first()
            if opts["user"]
            else users.filter(is_superuser=True, is_active=True).order_by("id").first()
        )
        if user is None:
            raise CommandError(f"no such user: {opts['user']}" if opts["user"] else "no superuser; pass --user")
        area = Area.objects.filter(code=opts["area"]).first()
        if area is None:
            raise CommandError(f"no such area: {opts['area']}")
        try:
            path, count = actions.roster_export(actor=user, kind=opts["kind"], area=area, unmasked=opts["unmasked"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        out = Path(opts["out"])  # call_command(out="…") skips argparse's type
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, out)
        self.stdout.write(f"{count} rows → {out}")
