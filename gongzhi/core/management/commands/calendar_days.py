"""Extend the working-day calendar for years chinese-calendar does not know (e.g. from the State Council notice)."""

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.calendar_actions import calendar_days_set
from gongzhi.core.errors import DomainError
from gongzhi.core.models import CalendarDay
from gongzhi.core.workdays import day_source


class Command(BaseCommand):
    help = "List, add or check holidays and make-up workdays. 节假日与调休表维护。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("add", help="add or change days: add 2027-01-01 [2027-01-02 …] --holiday|--workday NAME")
        add.add_argument("dates", nargs="+")
        kind = add.add_mutually_exclusive_group(required=True)
        kind.add_argument("--holiday", metavar="NAME")
        kind.add_argument("--workday", metavar="NAME")
        check = sub.add_parser("check", help="say where a year's answers come from")
        check.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["op"] == "add":
            self._add(options)
        else:
            self._check(options["year"])

    def _add(self, options: dict[str, Any]) -> None:
        try:
            days = [dt.date.fromisoformat(d) for d in options["dates"]]
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD / dates must be YYYY-MM-DD: {exc}") from exc
        is_workday = options["workday"] is not None
        name = options["workday"] if is_workday else options["holiday"]
        try:
            calendar_days_set(actor=None, days=days, is_workday=is_workday, name=name)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"{len(days)} 天已保存 / saved ({'班' if is_workday else '休'} {name})"))

    def _check(self, year: int) -> None:
        sample = dt.date(year, 6, 1)
        source = day_source(sample)
        entered = CalendarDay.objects.filter(date__year=year).count()
        if source == "fallback" and not entered:
            self.stdout.write(
                self.style.WARNING(
                    f"{year}: chinese-calendar 无数据，且未录入节假日；按周一至周五计算工作日。"
                    f" / no package data and no entries: Monday–Friday are used."
                )
            )
        else:
            self.stdout.write(f"{year}: source={source}, staff entries={entered}")
