"""Reads of the people registry, always limited to what the user may reach."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import ancestor_codes
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import pii
from gongzhi.core.errors import NotFound
from gongzhi.people.models import (
    Department,
    GridAssignment,
    Household,
    Partner,
    PartyMember,
    PartyOrganization,
    Resident,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

_ASCII = re.compile(r"^[a-zA-Z]+$")


def residents_visible(*, user: User) -> QuerySet[Resident]:
    return Resident.objects.filter(rules.scope_q(user, "people.view"))


def name_search_q(query: str) -> Q:
    """Chinese name (substring), full pinyin (prefix) or pinyin initials (prefix): 'zs' finds 张三."""
    query = query.strip()
    if _ASCII.match(query):
        lowered = query.lower()
        # A range instead of LIKE 'x%': SQLite's LIKE is case-insensitive and so cannot use the index.
        upper = lowered[:-1] + chr(ord(lowered[-1]) + 1)
        return Q(name_pinyin__gte=lowered, name_pinyin__lt=upper) | Q(
            name_initials__gte=lowered, name_initials__lt=upper
        )
    return Q(name__contains=query)


def resident_search(
    *, user: User, query: str = "", area: Area | None = None, tag: str | None = None
) -> QuerySet[Resident]:
    if area is not None:
        # The whole subtree is in reach once require() passes, so the area range alone is the filter: SQLite
        # uses one range per column, and the narrow one must be it (the street's range scans 300,000 entries).
        rules.require(user, "people.view", area.code)
        qs = Resident.objects.filter(code_range_q(area.code, "area_code"))
    else:
        qs = residents_visible(user=user)
    query = (query or "").strip()
    if query:
        digits = query.replace(" ", "").upper()
        if re.fullmatch(r"\d{17}[\dX]", digits):
            qs = qs.filter(id_number_hash__in=pii.lookup_hashes(digits))
        elif re.fullmatch(r"1\d{10}", digits):
            qs = qs.filter(phone_hash__in=pii.lookup_hashes(digits))
        else:
            qs = qs.filter(name_search_q(query))
    if tag:
        qs = qs.filter(tags__name=tag)
    return qs.order_by("area_code", "id")


_Scoped = TypeVar("_Scoped", Resident, Household, PartyMember, PartyOrganization)
_Org = TypeVar("_Org", Department, Partner)


def _get_in_scope(model: type[_Scoped], pk: int, user: User, rule: str, label: str) -> _Scoped:
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("%(what)s不存在") % {"what": label})
    rules.require(user, rule, obj.area_code)
    return obj


def resident_get(*, user: User, resident_id: int) -> Resident:
    return _get_in_scope(Resident, resident_id, user, "people.view", _("居民"))


def household_get(*, user: User, household_id: int) -> Household:
    return _get_in_scope(Household, household_id, user, "people.view", _("户"))


def party_member_get(*, user: User, member_id: int) -> PartyMember:
    return _get_in_scope(PartyMember, member_id, user, "party.view", _("党员"))


def party_org_get(*, user: User, org_id: int) -> PartyOrganization:
    return _get_in_scope(PartyOrganization, org_id, user, "party.view", _("党组织"))


def party_orgs_visible(*, user: User, area: Area | None = None) -> QuerySet[PartyOrganization]:
    if area is not None:
        rules.require(user, "party.view", area.code)
        qs = PartyOrganization.objects.filter(code_range_q(area.code, "area_code"))
    else:
        qs = PartyOrganization.objects.filter(rules.scope_q(user, "party.view"))
    return qs.order_by("area_code", "id")


def party_members_visible(*, user: User, query: str = "", area: Area | None = None) -> QuerySet[PartyMember]:
    if area is not None:
        rules.require(user, "party.view", area.code)
        qs = PartyMember.objects.filter(code_range_q(area.code, "area_code"))
    else:
        qs = PartyMember.objects.filter(rules.scope_q(user, "party.view"))
    if query.strip():
        qs = qs.filter(name_search_q(query))
    return qs.select_related("organization").order_by("area_code", "id")


def assignments_in(*, user: User, area: Area) -> QuerySet[GridAssignment]:
    rules.require(user, "people.view", area.code)
    return (
        GridAssignment.objects.filter(code_range_q(area.code, "area_code"), ended_on__isnull=True)
        .select_related("user", "compound")
        .order_by("area_code", "kind", "id")
    )


def organisations_visible(*, user: User, model: type[_Org]) -> QuerySet[_Org]:
    """Departments or partners serving any area the user reaches (or any area above them)."""
    tops = rules.scope_codes(user, "orgs.view")
    if not tops:
        return model.objects.none()
    if "" in tops:
        return model.objects.prefetch_related("areas").order_by("name")
    q = Q(pk__in=[])
    for top in tops:
        q |= code_range_q(top, "areas__code")
        q |= Q(areas__code__in=ancestor_codes(top, include_self=False))
    return model.objects.filter(q).distinct().prefetch_related("areas").order_by("name")
