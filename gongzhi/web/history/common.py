"""What the parts of the demo history share: the year they cover, who acts, and the marker of a part done.

Each part (appeals, volunteering, points) runs in one transaction and ends by writing its marker, an audit row
`demo.history` naming the part and the seed; a second run finds the marker and leaves the part alone, so
`seed_history` is idempotent. Every record is written by the app's own actions with "now" moved by
`clock.travel` to the moment the move happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from gongzhi.accounts.actions import membership_grant, user_create
from gongzhi.accounts.models import Membership, Role, User
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.models import AuditEvent
from gongzhi.people.models import GridAssignment

MARKER = "demo.history"
MONTHS = 12

# Sizes as seed_demo has them: how much of a year each part writes.
APPEALS_PER_MONTH = {"S": 30, "M": 60, "L": 150}
ACTIVITIES_PER_MONTH = {"S": 3, "M": 4, "L": 6}
HOUSEHOLDS_PER_DAY = {"S": 520, "M": 520, "L": 600}


def done(part: str) -> bool:
    return AuditEvent.objects.filter(action=MARKER, target_type=MARKER, target_id=part).exists()


def mark(part: str, *, seed: int, size: str, counts: dict[str, int]) -> None:
    audit_record(
        actor=None, action=MARKER, target_type=MARKER, target_id=part, data={"seed": seed, "size": size, **counts}
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware instant on a local day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def month_starts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the last `months` months, the current one last."""
    starts = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


@dataclass
class Cast:
    """The accounts the history is made by, looked up once."""

    admin: User
    owners: dict[str, User] = field(default_factory=dict)  # grid code → its owner
    on_duty: dict[str, User] = field(default_factory=dict)  # micro-grid code → its on-duty worker
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Cast:
        admin = User.objects.get(username="admin")
        cast = cls(admin=admin)
        live = GridAssignment.objects.filter(ended_on__isnull=True, user__is_active=True).select_related("user")
        for a in live.filter(is_owner=True).order_by("id"):
            cast.owners.setdefault(a.area_code, a.user)
        for a in live.filter(on_duty=True, kind="microgrid").order_by("id"):
            cast.on_duty.setdefault(a.area_code, a.user)
        return cast


def login(*, actor: User, username: str, display_name: str, role: str, area: Area, department: Any = None) -> User:
    """A demo account (no password: nobody signs in as it) with one membership, made once."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(actor=actor, username=username, password=None, display_name=display_name)
    if not Membership.objects.filter(user=user, role=role, area=area).exists():
        membership_grant(actor=actor, user=user, role=role, area=area, department=department)
    return user


def travel(moment: dt.datetime) -> Any:
    return clock.travel(moment)


__all__ = ["Cast", "Role", "at", "done", "login", "mark", "month_starts", "travel"]
