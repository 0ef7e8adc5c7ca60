"""`manage.py seed_inspections`: the checklist templates and the demo's places and inspections (after seed_demo).

Idempotent: the four templates (食品安全, 安全生产, 消防安全, 流动人口摸排) are published once; places and a month
of food-safety inspections are added only while there are no places.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.accounts.models import User
from gongzhi.core.errors import DomainError
from gongzhi.inspections.seeding import seed_demo_inspections, seed_templates


class Command(BaseCommand):
    help = "Checklist templates, and demo places with a month of food-safety inspections (run after seed_demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default="admin", help="the account recorded as registering the places")
        parser.add_argument("--templates-only", action="store_true", help="only publish the checklist templates")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["templates_only"]:
                counts = {"templates": len(seed_templates())}
            else:
                actor = User.objects.filter(username=options["actor"]).first()
                if actor is None:
                    raise CommandError(f"no user {options['actor']!r}: run seed_demo first")
                counts = seed_demo_inspections(actor=actor)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))
