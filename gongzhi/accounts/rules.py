"""Permissions as named rules over areas.

A rule names the roles that hold it. A user holds a rule at an area when one of their memberships has such a
role at that area or at an area above it (a role reaches its subtree, never sideways or above).
"""

from __future__ import annotations

from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Membership, Role, User
from gongzhi.areas.selectors import code_range_q
from gongzhi.core.errors import PermissionDenied

R = Role
STAFF = frozenset({R.STREET_STAFF, R.COMMUNITY_WORKER, R.GRID_WORKER, R.MICROGRID_WORKER, R.ADMIN})
OFFICE = frozenset({R.STREET_STAFF, R.COMMUNITY_WORKER, R.ADMIN})

RULES: dict[str, frozenset[str]] = {
    "areas.manage": frozenset({R.STREET_STAFF, R.ADMIN}),
    "people.view": STAFF,
    "people.edit": frozenset({R.STREET_STAFF, R.COMMUNITY_WORKER, R.GRID_WORKER, R.ADMIN}),
    "people.unmask": OFFICE,
    "people.import": OFFICE,
    "people.export": OFFICE,
    "party.view": STAFF | {R.PARTY_MEMBER},
    "party.manage": OFFICE,
    "registrations.confirm": OFFICE,
    "orgs.view": STAFF | {R.DEPARTMENT, R.PARTNER},
    "orgs.manage": frozenset({R.STREET_STAFF, R.ADMIN}),
    "assignments.manage": OFFICE,
    "audit.view": frozenset({R.STREET_STAFF, R.ADMIN}),
    "points.view": STAFF,
    "points.propose": frozenset({R.STREET_STAFF, R.COMMUNITY_WORKER, R.GRID_WORKER, R.ADMIN}),
    "points.review": OFFICE,
    "points.configure": frozenset({R.STREET_STAFF, R.ADMIN}),
    "store.manage": OFFICE,
    "store.counter": frozenset({R.STREET_STAFF, R.COMMUNITY_WORKER, R.GRID_WORKER, R.ADMIN}),
    "volunteering.view": STAFF,
    "volunteering.organise": frozenset({R.STREET_STAFF, R.COMMUNITY_WORKER, R.GRID_WORKER, R.ADMIN}),
    "volunteering.manage": OFFICE,
    "appeals.view": STAFF | {R.DEPARTMENT},
    "appeals.intake": STAFF,
    "appeals.dispatch": OFFICE | {R.GRID_WORKER},
    "appeals.handle": STAFF,
    "appeals.verify": frozenset({R.STREET_STAFF, R.COMMUNITY_WORKER, R.GRID_WORKER, R.ADMIN}),
    "appeals.summon": frozenset({R.STREET_STAFF, R.GRID_WORKER, R.ADMIN}),
    "appeals.report_in": frozenset({R.DEPARTMENT}),
    "appeals.configure": frozenset({R.STREET_STAFF, R.ADMIN}),
    "calendar.manage": frozenset({R.STREET_STAFF, R.ADMIN}),
    "board.manage": OFFICE,
    "inspections.view": STAFF,
    "inspections.inspect": STAFF,
    "inspections.manage": OFFICE | {R.GRID_WORKER},
    "inspections.rectify": OFFICE,
    "inspections.configure": frozenset({R.STREET_STAFF, R.ADMIN}),
    "inspections.export": OFFICE,
    # 有事您说话: everyone with a role takes part in their own community's deliberation (gongzhi.deliberation.selectors
    # reads "own community" from the membership); staff of an area run its topics, meetings and votes.
    "deliberation.participate": frozenset(Role.values),
    "deliberation.manage": OFFICE | {R.GRID_WORKER},
    "deliberation.act": STAFF | {R.DEPARTMENT, R.PARTNER},
    "deliberation.survey": OFFICE,
    "matching.view": STAFF,
    "matching.catalogue": frozenset({R.STREET_STAFF, R.ADMIN}),
    "matching.request": STAFF | {R.RESIDENT},
    "matching.offer": OFFICE | {R.PARTNER, R.PARTY_MEMBER, R.VOLUNTEER},
    "matching.dispatch": OFFICE,
    "matching.accept": OFFICE | {R.GRID_WORKER},
    "matching.claim": frozenset({R.PARTY_MEMBER}),
    "matching.grab": frozenset({R.VOLUNTEER}),
    "matching.fund": OFFICE,
    "matching.venture.apply": OFFICE | {R.PARTNER},
    "matching.projects": OFFICE,
    "matching.project.claim": OFFICE | {R.PARTNER},
    "matching.project.checkoff": OFFICE | {R.PARTNER},
    # Care (关爱): need to know. Assigned carers read their archives without any rule; these reach an area's.
    "care.view": OFFICE,
    "care.children": frozenset({R.CHILD_DIRECTOR, R.ADMIN}),
    "care.manage": OFFICE | {R.CHILD_DIRECTOR},
    "care.configure": frozenset({R.STREET_STAFF, R.ADMIN}),
    "care.warn": STAFF | {R.CHILD_DIRECTOR},
    "care.refer": OFFICE | {R.CHILD_DIRECTOR},
    "care.refer_override": frozenset({R.STREET_STAFF, R.ADMIN}),
    # PIPL: a resident's request to correct their data is handled by the office staff above their area.
    "privacy.handle": OFFICE,
    "care.to_demand": STAFF,  # hand a care need to the matching flow (a micro-wish or an errand), gongzhi.carelink
    # Awards (评选表彰): staff of an area see its results; the street configures, computes, confirms and publishes;
    # residents nominate and vote in their own community (gongzhi.awards.selectors reads it from the membership).
    "awards.view": STAFF,
    "awards.configure": frozenset({R.STREET_STAFF, R.ADMIN}),
    "awards.confirm": frozenset({R.STREET_STAFF, R.ADMIN}),
    "awards.participate": frozenset({R.RESIDENT}),
    # Two-factor sign-in: removing a user's lost authenticator (gongzhi.accounts.otp_actions.otp_reset, audited).
    "accounts.otp_reset": frozenset({R.ADMIN}),
}


def _signed_in(user: User | AnonymousUser | None) -> TypeGuard[User]:
    # None (no one acting) holds no rule, like the anonymous user.
    return bool(getattr(user, "is_authenticated", False))


def _memberships(user: User) -> list[tuple[str, str]]:
    cached = getattr(user, "_gz_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).values_list("role", "area__code"))
        user._gz_memberships = cached
    return cached


def forget_memberships(user: User | AnonymousUser) -> None:
    if hasattr(user, "_gz_memberships"):
        del user._gz_memberships


def roles_of(user: User | AnonymousUser | None) -> set[str]:
    if not _signed_in(user):
        return set()
    return {role for role, _code in _memberships(user)}


def scope_codes(user: User | AnonymousUser | None, rule: str) -> list[str]:
    """The top area codes where the user holds `rule`; everything below them is in reach."""
    if not _signed_in(user) or not user.is_active:
        return []
    if user.is_superuser:
        return [""]
    roles = RULES[rule]
    codes = sorted({code for role, code in _memberships(user) if role in roles})
    # Drop codes already covered by a shorter one, so filters stay small.
    tops: list[str] = []
    for code in codes:
        if not any(code.startswith(top) for top in tops):
            tops.append(code)
    return tops


def allows(user: User | AnonymousUser | None, rule: str, area_code: str) -> bool:
    return any(area_code.startswith(top) for top in scope_codes(user, rule))


def require(user: User | AnonymousUser | None, rule: str, area_code: str) -> None:
    if not allows(user, rule, area_code):
        raise PermissionDenied(_("您没有权限访问该区域的这项内容"), details={"rule": rule, "area": area_code})


def everything_q() -> Q:
    """A filter that every row passes: the scope of a user who reaches everything (a superuser).

    Not the empty `Q()`: Django treats `Q()` as "no condition", so `Q() | Q(x)` is `Q(x)` and `Q() & Q(x)` is `Q(x)` —
    an everything-scope written as `Q()` silently shrinks to whatever it is ORed with (issue 10, 8a: the platform admin
    saw only the appeals it had reported itself). `pk IS NOT NULL` is a real condition, always true, and free to test.
    """
    return Q(pk__isnull=False)


def nothing_q() -> Q:
    """A filter no row passes (Django answers it without asking the database): the scope of a user without the rule."""
    return Q(pk__in=[])


def scope_q(user: User | AnonymousUser | None, rule: str, field: str = "area_code") -> Q:
    """A filter on `field` (an area code column) limited to what the user may reach under `rule`.

    Always a real condition (`everything_q()` / `nothing_q()` at the ends, never the empty `Q()`), so it can be ORed
    with another grant (e.g. "or the reporter of their own") and keep its meaning.
    """
    tops = scope_codes(user, rule)
    if "" in tops:
        return everything_q()
    q = nothing_q()
    for top in tops:
        q |= code_range_q(top, field)
    return q
