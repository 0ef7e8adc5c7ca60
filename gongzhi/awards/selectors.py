"""Reads of awards: who takes part where, the schemes a user sees, results over their area, nominations.

- Staff holding `awards.view` see the schemes of their street (a community worker sees the street's scheme) and the
  results inside their area, published or not.
- Residents (`awards.participate`) take part in their own community: the community of their membership's area.
  They see the honours of their street, the nominations of their community, and published results there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import LEVEL_LENGTHS, code_at
from gongzhi.areas.selectors import code_range_q
from gongzhi.awards.models import Nomination, Result, ResultState, Scheme, SchemeKind, Vote
from gongzhi.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongzhi.accounts.models import User

VIEW = "awards.view"
CONFIGURE = "awards.configure"
CONFIRM = "awards.confirm"
PARTICIPATE = "awards.participate"
MAX_ID: int = 2**62
COMMUNITY = LEVEL_LENGTHS["community"]


def communities_of(user: User | AnonymousUser | None) -> list[str]:
    """The communities a resident takes part in (their membership's area, cut to its community)."""
    return sorted({code_at(c, "community") for c in rules.scope_codes(user, PARTICIPATE) if len(c) >= COMMUNITY})


def _touches(code: str, tops: list[str]) -> bool:
    return any(code.startswith(t) or t.startswith(code) for t in tops)


def scheme_visible(user: User | AnonymousUser | None, scheme: Scheme) -> bool:
    if _touches(scheme.area_code, rules.scope_codes(user, VIEW)):
        return True
    return scheme.kind == SchemeKind.HONOUR and _touches(scheme.area_code, communities_of(user))


def schemes_visible(*, user: User | AnonymousUser | None, kind: str | None = None) -> list[Scheme]:
    if kind is not None and kind not in SchemeKind.values:
        raise ValidationFailed(_("评选类型只能是：%(v)s") % {"v": "、".join(SchemeKind.values)}, field="kind")
    tops = rules.scope_codes(user, VIEW) + communities_of(user)
    if not tops:
        return []
    streets = {t[: LEVEL_LENGTHS["street"]] for t in tops if len(t) >= LEVEL_LENGTHS["street"]}
    q = Q(area_code__in=streets)
    for t in tops:
        if len(t) < LEVEL_LENGTHS["street"]:
            q |= code_range_q(t, "area_code")
    qs = Scheme.objects.filter(q).select_related("area").annotate(n_results=Count("results"))
    if kind:
        qs = qs.filter(kind=kind)
    return [s for s in qs if scheme_visible(user, s)]


def scheme_get(*, user: User | AnonymousUser | None, scheme_id: int) -> Scheme:
    scheme = (
        Scheme.objects.select_related("area").filter(pk=scheme_id).first()
        if isinstance(scheme_id, int) and 0 < scheme_id <= MAX_ID
        else None
    )
    if scheme is None or not scheme_visible(user, scheme):
        raise NotFound(_("评选不存在：%(id)s") % {"id": scheme_id}, field="scheme_id")
    return scheme


def results_q(user: User | AnonymousUser | None) -> Q:
    """Results in the user's reach: staff see their area's; residents the published ones of their community."""
    q = rules.scope_q(user, VIEW)
    for home in communities_of(user):
        q |= Q(state=ResultState.PUBLISHED) & code_range_q(home, "area_code")
    return q


def results_for(
    *, user: User | AnonymousUser | None, scheme: Scheme, state: str | None = None, area_code: str | None = None
) -> QuerySet[Result]:
    if state is not None and state not in ResultState.values:
        raise ValidationFailed(_("状态只能是：%(v)s") % {"v": "、".join(ResultState.values)}, field="state")
    qs = Result.objects.filter(scheme=scheme).filter(results_q(user)).select_related("area", "party_member")
    if state:
        qs = qs.filter(state=state)
    if area_code:
        qs = qs.filter(code_range_q(area_code, "area_code"))
    return qs.order_by("-score", "-votes", "area_code", "id")


def result_get(*, user: User | AnonymousUser | None, result_id: int) -> Result:
    result = (
        Result.objects.filter(results_q(user)).select_related("scheme", "area").filter(pk=result_id).first()
        if isinstance(result_id, int) and 0 < result_id <= MAX_ID
        else None
    )
    if result is None:
        raise NotFound(_("评选结果不存在：%(id)s") % {"id": result_id}, field="result_id")
    return result


def nominations_for(*, user: User | AnonymousUser | None, scheme: Scheme) -> QuerySet[Nomination]:
    """Staff see every nomination of their area; residents those of their community. With the votes so far."""
    q = rules.scope_q(user, VIEW)
    for home in communities_of(user):
        q |= Q(area_code=home)
    return (
        Nomination.objects.filter(scheme=scheme)
        .filter(q)
        .annotate(n_votes=Count("votes"))
        .order_by("area_code", "-n_votes", "created_at", "id")
    )


def my_vote(*, user: User | AnonymousUser | None, scheme: Scheme) -> Vote | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Vote.objects.filter(scheme=scheme, voter_id=getattr(user, "pk", None)).first()
