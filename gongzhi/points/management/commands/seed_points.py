"""`manage.py seed_points`: install the default "1+5+N" catalogue (gongzhi/points/catalogue.py) for a scheme.

seed_points --scheme 3                 add missing catalogue items to scheme 3
seed_points --area 370211003           create the scheme over that street/community if needed, then the items
seed_points --demo                     the demo's 胶南街道 德育乡村 scheme (run after seed_demo)
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gongzhi.areas.models import Area
from gongzhi.core.errors import DomainError
from gongzhi.points.actions.schemes import catalogue_install, scheme_create
from gongzhi.points.models import PointsScheme

DEMO_AREA = "370211003"  # 胶南街道 in seed_demo's district: sixteen grids run 德育乡村
DEMO_NAME = "胶南街道“德育乡村”积分"


class Command(BaseCommand):
    help = 'Install the default "1+5+N" points catalogue for a scheme (creating the scheme with --area or --demo).'

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--scheme", type=int, help="an existing scheme id")
        which.add_argument("--area", help="street or community code; the scheme is created if missing")
        which.add_argument("--demo", action="store_true", help=f"the demo scheme over {DEMO_AREA} (胶南街道)")
        parser.add_argument("--name", help="name of a new scheme (with --area)")
        parser.add_argument("--publicity-days", type=int, default=3)

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["scheme"] is not None:
                scheme = PointsScheme.objects.filter(pk=options["scheme"]).first()
                if scheme is None:
                    raise CommandError(f"no points scheme {options['scheme']}")
            else:
                code = DEMO_AREA if options["demo"] else options["area"]
                name = DEMO_NAME if options["demo"] else options["name"]
                scheme = self._scheme(code, name, options["publicity_days"])
            added = catalogue_install(actor=None, scheme=scheme)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Scheme {scheme.pk} {scheme.name} ({scheme.area_code}): {added} catalogue items added, "
                f"{scheme.rules.count()} in all."
            )
        )

    def _scheme(self, code: str, name: str | None, publicity_days: int) -> PointsScheme:
        existing = PointsScheme.objects.filter(area_code=code).first()
        if existing is not None:
            return existing
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise CommandError(f"no area with code {code} (run seed_demo first for --demo)")
        return scheme_create(actor=None, area=area, name=name or f"{area.name}积分", publicity_days=publicity_days)
