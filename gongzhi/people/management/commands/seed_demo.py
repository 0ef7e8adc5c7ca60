"""`manage.py seed_demo --size S|M|L`: the demo district of 黄岛区 modelled on the seed reports."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.people.demo.generator import SIZES
from gongzhi.people.demo.loader import NotEmpty, database_has_areas, seed_demo
from gongzhi.people.demo.logins import login_lines, second_factor_line


class Command(BaseCommand):
    help = "Seed the demo district (S ≈ 3,000 residents, M ≈ 100,000, L ≈ 1,000,000) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="S", help="S, M or L (default S)")
        parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same people")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (but print the logins) when areas already exist"
        )
        parser.add_argument("--print-logins", action="store_true", help="print the demo logins and exit")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print_logins"]:
            self._print_logins()
            return
        if database_has_areas():
            if options["if_empty"]:
                self.stdout.write("The database already holds an area tree; seed_demo left it as it was.")
                self._print_logins()
                return
            raise CommandError(
                "The database already holds an area tree, so seed_demo will not mix demo data into it. "
                "Use a fresh database (e.g. DATABASE_URL=sqlite:///var/demo.sqlite3), or pass --if-empty to skip."
            )
        # The boundary version lives in the cache; with the database cache its table must exist first.
        call_command("createcachetable", verbosity=0)
        try:
            report = seed_demo(size=options["size"], seed=options["seed"], progress=not options["no_progress"])
        except NotEmpty as exc:
            raise CommandError(f"Demo usernames already taken: {exc}. Use a fresh database.") from None
        counts = report.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded demo district size {report.size} (seed {report.seed}) in {report.seconds:.1f} s: "
                f"{counts.get('areas.Area', 0):,} areas, {counts.get('people.Household', 0):,} households, "
                f"{counts.get('people.Resident', 0):,} residents, {counts.get('people.PartyMember', 0):,} party "
                f"members, {counts.get('accounts.User', 0):,} staff accounts."
            )
        )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("Demo logins (角色 / role / username / password / area):")
        for line in login_lines():
            self.stdout.write("  " + line)
        self.stdout.write(second_factor_line())
