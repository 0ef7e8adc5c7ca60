"""Who needs a second factor, and what a session holds about it (docs/security.md).

A user needs the second step at sign-in when the policy requires it of them (`required`) or when they have turned
it on themselves. The policy, from settings: any role in OTP_REQUIRED_ROLES, any rule in OTP_REQUIRED_RULES held
anywhere (unmasking personal data, reading care records), and any membership other than a resident's at an area of
level OTP_REQUIRED_REACH or above (street-level reach); superusers and Django-admin staff always.

The session keeps one small dict under SESSION_KEY: whether the second step is still owed, when it was passed,
whether the user counts as staff (whose sessions end after SESSION_IDLE_MINUTES of inactivity), when the session
was last seen, and when the policy was last evaluated (again at most every RECHECK_SECONDS, so a role granted to a
signed-in user applies within that time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from gongzhi.accounts import rules
from gongzhi.accounts.models import Role, TotpDevice, User
from gongzhi.areas.models import CODE_LENGTH, AreaLevel
from gongzhi.core import clock

SESSION_KEY = "gz_second_factor"
RECHECK_SECONDS = 60  # the policy and the last-seen time are written back at most this often

# Members of the public: their sessions are not staff sessions (no idle limit), and their reach does not count.
PUBLIC_ROLES = frozenset({Role.RESIDENT, Role.VOLUNTEER, Role.PARTY_MEMBER})


def _reach_length() -> int | None:
    level = str(getattr(settings, "OTP_REQUIRED_REACH", "") or "")
    if not level:
        return None
    return CODE_LENGTH[AreaLevel(level)]


def required(user: User) -> bool:
    """Whether the policy requires a second factor of this user (settings OTP_REQUIRED_*)."""
    if not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    memberships = rules._memberships(user)
    roles = {role for role, _code in memberships}
    if roles & set(settings.OTP_REQUIRED_ROLES):
        return True
    for rule in settings.OTP_REQUIRED_RULES:
        if roles & rules.RULES.get(rule, frozenset()):
            return True
    reach = _reach_length()
    return reach is not None and any(len(code) <= reach for role, code in memberships if role != Role.RESIDENT)


def is_staff(user: User) -> bool:
    """Staff for the idle limit: any role beyond a member of the public's, or Django-admin access."""
    if user.is_superuser or user.is_staff:
        return True
    return any(role not in PUBLIC_ROLES for role, _code in rules._memberships(user))


def enrolled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


@dataclass(frozen=True)
class Proof:
    """That `user_id` passed a second-factor check (`method`: totp, recovery or session) at `at`.

    Made only by `accounts.otp_actions` after a code was accepted, or by `session_proof` from a session that did;
    `api_token_issue` asks for one from users the policy covers.
    """

    user_id: int
    method: str
    at: dt.datetime


# ------------------------------------------------------------------------------------------------ session state


def _now_ts() -> float:
    return clock.now().timestamp()


def state(session: SessionBase) -> dict[str, Any] | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, dict) else None


def evaluate(user: User) -> dict[str, Any]:
    """A fresh state for a session that has signed in with the password only."""
    now = _now_ts()
    owed = required(user) or enrolled(user)
    return {"owed": owed, "required": required(user), "verified": None, "staff": is_staff(user), "seen": now,
            "checked": now}  # fmt: skip


def start(session: SessionBase, user: User) -> dict[str, Any]:
    """Called right after the password step: the session owes the second step when the user needs one."""
    value = evaluate(user)
    session[SESSION_KEY] = value
    return value


def verified_state(session: SessionBase, user: User, *, method: str) -> dict[str, Any]:
    value = state(session) or evaluate(user)
    value.update(owed=False, verified=_now_ts(), method=method)
    return value


def mark_verified(session: SessionBase, user: User, *, method: str) -> None:
    """The second step is passed: the session may go anywhere its roles allow. Rotates the session key."""
    value = verified_state(session, user, method=method)
    session.cycle_key()
    session[SESSION_KEY] = value


def session_proof(session: SessionBase, user: User) -> Proof | None:
    """A proof for a session of `user` that has passed the second step (None for one that has not)."""
    value = state(session)
    if value is None or value.get("owed") or not value.get("verified"):
        return None
    if str(session.get("_auth_user_id")) != str(user.pk):
        return None
    return Proof(user_id=user.pk, method="session", at=dt.datetime.fromtimestamp(value["verified"], tz=dt.UTC))
