"""Brands, teams, projects, trainings and honours: the standing structure volunteers serve in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering.actions._common import _area, _choice
from gongzhi.volunteering.models import (
    Brand,
    Honour,
    Project,
    ProjectKind,
    Team,
    TeamMembership,
    Training,
    Volunteer,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User
    from gongzhi.people.models import Partner


@transaction.atomic
def brand_create(*, actor: User, name: str, area: Area | None, slogan: str = "", description: str = "") -> Brand:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    name = _text(name, field="name", max_length=64, required=True)
    if Brand.objects.filter(area=area, name=name).exists():
        raise Conflict(_("该社区已有同名品牌：%(name)s") % {"name": name}, field="name")
    brand = Brand.objects.create(
        name=name,
        area=area,
        area_code=area.code,
        slogan=_text(slogan, field="slogan", max_length=100),
        description=_text(description, field="description", max_length=4000),
    )
    audit_record(actor=actor, action="volunteering.brand.create", target=brand, area_code=area.code)
    return brand


@transaction.atomic
def team_create(
    *,
    actor: User,
    name: str,
    area: Area | None,
    focus: str = "",
    brand: Brand | None = None,
    leaders: Iterable[Volunteer] = (),
    members: Iterable[Volunteer] = (),
    description: str = "",
) -> Team:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    name = _text(name, field="name", max_length=64, required=True)
    if Team.objects.filter(area=area, name=name).exists():
        raise Conflict(_("该区域已有同名队伍：%(name)s") % {"name": name}, field="name")
    team = Team.objects.create(
        name=name,
        area=area,
        area_code=area.code,
        focus=_text(focus, field="focus", max_length=32),
        brand=brand,
        description=_text(description, field="description", max_length=4000),
    )
    leader_ids = set()
    for v in leaders:
        TeamMembership.objects.create(team=team, volunteer=v, is_leader=True)
        leader_ids.add(v.pk)
    for v in members:
        if v.pk not in leader_ids:
            TeamMembership.objects.get_or_create(team=team, volunteer=v)
    audit_record(actor=actor, action="volunteering.team.create", target=team, area_code=area.code)
    return team


@transaction.atomic
def team_member_add(*, actor: User, team: Team, volunteer: Volunteer, is_leader: bool = False) -> TeamMembership:
    rules.require(actor, "volunteering.manage", team.area_code)
    membership, created = TeamMembership.objects.get_or_create(
        team=team, volunteer=volunteer, defaults={"is_leader": is_leader}
    )
    if not created and membership.is_leader != is_leader:
        membership.is_leader = is_leader
        membership.save(update_fields=["is_leader"])
    audit_record(
        actor=actor,
        action="volunteering.team.member",
        target=team,
        area_code=team.area_code,
        data={"volunteer": volunteer.pk, "leader": is_leader},
    )
    return membership


@transaction.atomic
def project_create(
    *,
    actor: User,
    name: str,
    area: Area | None,
    kind: str = ProjectKind.REGULAR,
    brand: Brand | None = None,
    team: Team | None = None,
    lead_worker: User | None = None,
    lead_partner: Partner | None = None,
    description: str = "",
) -> Project:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    kind = _choice(kind, ProjectKind.values, field="kind")
    name = _text(name, field="name", max_length=64, required=True)
    if kind == ProjectKind.SOCIAL_WORKER_LED and lead_worker is None and lead_partner is None:
        raise ValidationFailed(_("社工领办项目须指定领办社工或社会组织"), field="lead_worker")
    if Project.objects.filter(area=area, name=name).exists():
        raise Conflict(_("该区域已有同名项目：%(name)s") % {"name": name}, field="name")
    project = Project.objects.create(
        name=name,
        kind=kind,
        area=area,
        area_code=area.code,
        brand=brand,
        team=team,
        lead_worker=lead_worker,
        lead_partner=lead_partner,
        description=_text(description, field="description", max_length=4000),
    )
    audit_record(actor=actor, action="volunteering.project.create", target=project, area_code=area.code)
    return project


@transaction.atomic
def training_record(
    *,
    actor: User,
    title: str,
    held_on: dt.date,
    hours: Decimal | float | int,
    area: Area | None,
    attendees: Iterable[Volunteer],
    project: Project | None = None,
    trainer: str = "",
) -> Training:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    if held_on > clock.today():
        raise ValidationFailed(_("培训日期不能晚于今天"), field="held_on")
    hours_d = Decimal(str(hours))
    if not (Decimal(0) < hours_d <= Decimal(200)):
        raise ValidationFailed(_("培训学时须在 0 到 200 之间"), field="hours")
    training = Training.objects.create(
        title=_text(title, field="title", max_length=100, required=True),
        project=project,
        held_on=held_on,
        hours=hours_d,
        trainer=_text(trainer, field="trainer", max_length=64),
        area_code=area.code,
    )
    training.attendees.set(list(attendees))
    audit_record(actor=actor, action="volunteering.training", target=training, area_code=area.code)
    return training


@transaction.atomic
def honour_add(*, actor: User, volunteer: Volunteer, title: str, issuer: str, awarded_on: dt.date) -> Honour:
    rules.require(actor, "volunteering.manage", volunteer.area_code)
    if awarded_on > clock.today():
        raise ValidationFailed(_("授予日期不能晚于今天"), field="awarded_on")
    honour = Honour.objects.create(
        volunteer=volunteer,
        title=_text(title, field="title", max_length=100, required=True),
        issuer=_text(issuer, field="issuer", max_length=100, required=True),
        awarded_on=awarded_on,
    )
    audit_record(actor=actor, action="volunteering.honour", target=honour, area_code=volunteer.area_code)
    return honour
