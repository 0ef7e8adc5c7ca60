"""Certificates (志愿服务证明): a verifiable snapshot of a volunteer's confirmed hours."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.volunteering import selectors
from gongzhi.volunteering.models import (
    Certificate,
    Volunteer,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def _issuer_name(volunteer: Volunteer) -> str:
    community = Area.objects.filter(code=code_at(volunteer.area_code, AreaLevel.COMMUNITY)).first() or volunteer.area
    street = Area.objects.filter(code=code_at(volunteer.area_code, AreaLevel.STREET)).first()
    names = [a.name for a in (street, community) if a is not None]
    return "".join(dict.fromkeys(names)) or volunteer.area.name


@transaction.atomic
def certificate_issue(*, actor: User, volunteer: Volunteer) -> Certificate:
    """A certificate (志愿服务证明) with a number anyone can verify: a snapshot of confirmed hours to date."""
    if actor.pk != volunteer.user_id:
        rules.require(actor, "volunteering.manage", volunteer.area_code)
    record = selectors.volunteer_record(volunteer)
    if not record.services:
        raise ValidationFailed(_("暂无已确认的志愿服务时长，不能出具证明"), field="volunteer_id")
    today = clock.today()
    content = [{"date": s["date"].isoformat(), "title": s["title"], "hours": str(s["hours"])} for s in record.services]
    for _attempt in range(5):
        number = f"ZY{today:%Y}-{secrets.token_hex(5).upper()}"
        if not Certificate.objects.filter(number=number).exists():
            break
    certificate = Certificate.objects.create(
        number=number,
        volunteer=volunteer,
        issuer_name=_issuer_name(volunteer),
        period_from=record.services[0]["date"],
        period_to=today,
        total_hours=record.total_hours,
        activity_count=len(record.services),
        content=content,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor, action="volunteering.certificate.issue", target=certificate, area_code=volunteer.area_code
    )
    return certificate
