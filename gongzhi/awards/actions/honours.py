"""Resident-nominated honours (最美家庭, 敬老孝亲): nominations with a reason, then one vote per resident.

Residents take part in their own community (the community of their membership's area). Nominations are taken
until the vote closes; a vote only inside the voting window. A second vote in the same honour is refused by the
unique constraint on (scheme, voter), so two concurrent votes of one resident cannot both count.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.awards import selectors
from gongzhi.awards.models import Nomination, Scheme, SchemeKind, Vote
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.people.models import Resident

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MAX_ID: int = 2**62


def _id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValidationFailed(_("%(f)s 必须是正整数") % {"f": field}, field=field)
    return value


def _honour(scheme_id: Any) -> Scheme:
    scheme = Scheme.objects.filter(pk=_id(scheme_id, "scheme_id")).select_related("area").first()
    if scheme is None or scheme.kind != SchemeKind.HONOUR:
        raise NotFound(_("居民推选评选不存在：%(id)s") % {"id": scheme_id}, field="scheme_id")
    return scheme


def _window(scheme: Scheme) -> str:
    def fmt(t: dt.datetime | None) -> str:
        return timezone.localtime(t).strftime("%Y-%m-%d %H:%M") if t else "—"

    return f"{fmt(scheme.votes_open_at)} – {fmt(scheme.votes_close_at)}"


def _home(actor: User, scheme: Scheme, community_code: str | None) -> str:
    homes = selectors.communities_of(actor)
    if not homes:
        raise PermissionDenied(_("只有本社区居民可以提名和投票"), details={"rule": selectors.PARTICIPATE})
    homes = [h for h in homes if h.startswith(scheme.area_code)]
    if not homes:
        raise PermissionDenied(_("这项评选不在您所在的街道"), field="scheme_id")
    if community_code:
        if community_code not in homes:
            raise PermissionDenied(_("只能在自己所在的社区提名"), field="community_code")
        return community_code
    if len(homes) > 1:
        raise ValidationFailed(_("请选择社区：%(c)s") % {"c": "、".join(homes)}, field="community_code")
    return homes[0]


@transaction.atomic
def nomination_create(
    *,
    actor: User,
    scheme_id: int,
    nominee_name: str,
    reason: str,
    nominee_id: int | None = None,
    community_code: str | None = None,
    now: dt.datetime | None = None,
) -> Nomination:
    """A resident nominates a family or a person of their community, with a reason, until the vote closes."""
    scheme = _honour(scheme_id)
    code = _home(actor, scheme, community_code)
    nominee_name = clean_text(nominee_name, field="nominee_name", max_length=64, required=True)
    reason = clean_text(reason, field="reason", max_length=1000, required=True)
    if len(reason) < 5:
        raise ValidationFailed(_("推荐理由请至少写 5 个字"), field="reason")
    at = now or clock.now()
    if scheme.votes_close_at is not None and at >= scheme.votes_close_at:
        raise ValidationFailed(_("提名已截止（投票时间 %(w)s）") % {"w": _window(scheme)}, field="scheme_id")
    nominee = None
    if nominee_id is not None:
        nominee = Resident.objects.filter(pk=_id(nominee_id, "nominee_id")).first()
        if nominee is None or not nominee.area_code.startswith(code):
            raise ValidationFailed(_("被提名居民不在本社区"), field="nominee_id")
    from gongzhi.areas.models import Area

    area = Area.objects.get(code=code)
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                scheme=scheme, area=area, area_code=code, nominee_name=nominee_name, nominee=nominee, reason=reason,
                nominated_by=actor, created_at=at,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("「%(n)s」已被提名，可以直接为其投票") % {"n": nominee_name}, field="nominee_name") from None
    audit_record(actor=actor, action="awards.nominate", target=nomination, area_code=code)
    return nomination


@transaction.atomic
def vote_cast(*, actor: User, nomination_id: int, now: dt.datetime | None = None) -> Vote:
    """One vote for a nomination of the voter's own community, inside the voting window, once per honour."""
    nomination = Nomination.objects.select_related("scheme").filter(pk=_id(nomination_id, "nomination_id")).first()
    if nomination is None:
        raise NotFound(_("提名不存在：%(id)s") % {"id": nomination_id}, field="nomination_id")
    scheme = nomination.scheme
    homes = selectors.communities_of(actor)
    if not homes:
        raise PermissionDenied(_("只有本社区居民可以提名和投票"), details={"rule": selectors.PARTICIPATE})
    if nomination.area_code not in homes:
        raise PermissionDenied(_("只能为自己所在社区的提名投票"), field="nomination_id")
    at = now or clock.now()
    if not scheme.voting_open(at):
        raise ValidationFailed(_("不在投票时间内（%(w)s）") % {"w": _window(scheme)}, field="nomination_id")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                scheme=scheme, nomination=nomination, voter=actor, area_code=nomination.area_code, cast_at=at
            )
    except IntegrityError:
        raise Conflict(_("您已在「%(s)s」中投过票，每人一票") % {"s": scheme.name}, field="nomination_id") from None
    return vote
