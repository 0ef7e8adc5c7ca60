"""API authentication: a bearer token for clients, the session for pages that call the API.

A token's check (token, user and the user's memberships, one statement) is kept in this process for at most
TOKEN_CACHE_SECONDS: within that a client's next calls skip the database. So a revoked token, a deactivated user,
a granted or removed membership reaches a call through the API within that time; a token past its `expires_at`
is refused at once (tests/api/test_token_cache.py
moves the clock to check it); revoking a token in this process takes effect at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from gongzhi.accounts.models import ApiToken, Membership, User
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.recent import Recent

TOUCH_EVERY = 60  # seconds: last_used_at is written at most this often per token
TOKEN_CACHE_SECONDS = 1.0  # a revoked token or a removed membership stops working within this


@dataclass
class _Checked:
    """What one token check found: the user's row, the token and the user's memberships."""

    user_values: tuple[Any, ...]
    token_id: int
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    memberships: tuple[tuple[str, str], ...]


_checked: Recent[str, _Checked] = Recent(TOKEN_CACHE_SECONDS)  # by the token's digest


@cache
def _user_attnames() -> tuple[str, ...]:
    return tuple(f.attname for f in User._meta.concrete_fields)


@cache
def _token_sql() -> str:
    """Token, user and the user's memberships in one statement (one row per membership).

    Written out once instead of built by the ORM per request: compiling the equivalent queryset cost more than
    running it, and the memberships every rule check needs come with it instead of in a second round trip.
    """
    user_cols = ", ".join(f'u."{f.column}"' for f in User._meta.concrete_fields)
    return (
        f"SELECT {user_cols}, t.id, t.last_used_at, t.expires_at, m.role, a.code "  # noqa: S608 - table and column names come from the models
        f"FROM {ApiToken._meta.db_table} t "
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"LEFT JOIN {Membership._meta.db_table} m ON m.user_id = u.id "
        f"LEFT JOIN {Area._meta.db_table} a ON a.id = m.area_id "
        "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active"
    )


def _check(digest: str) -> _Checked | None:
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [digest])
        rows = cursor.fetchall()
    if not rows:
        return None
    n = len(_user_attnames())
    first = rows[0]
    # Values as the database gives them, turned into the fields' Python values as a query would.
    user_fields = User._meta.concrete_fields
    return _Checked(
        user_values=tuple(_converter(f)(v) for f, v in zip(user_fields, first[:n], strict=True)),
        token_id=first[n],
        last_used_at=_converter(ApiToken._meta.get_field("last_used_at"))(first[n + 1]),
        expires_at=_converter(ApiToken._meta.get_field("expires_at"))(first[n + 2]),
        memberships=tuple((r[n + 3], r[n + 4]) for r in rows if r[n + 3] is not None),
    )


@cache
def _converter(field: Any) -> Any:
    """A function turning the database's value of `field` into the field's Python value (as the ORM does)."""
    column = field.get_col(field.model._meta.db_table)
    steps = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    def convert(value: Any) -> Any:
        for step in steps:
            value = step(value, column, connection)
        return value

    return convert


def forget_token(digest: str) -> None:
    """Drop a token's check from this process (after a revocation here, so it stops at once)."""
    _checked.forget(digest)


def forget_all_tokens() -> None:
    _checked.forget()


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        now = clock.now()
        found = _checked.get(ApiToken.digest_of(token), _check)
        # An expired token is refused at once, even from this process's recent checks.
        if found is None or found.expires_at <= now:
            return None
        user = User.from_db(DEFAULT_DB_ALIAS, _user_attnames(), found.user_values)
        # rules._memberships reads this; one request sees one set of memberships.
        user._gz_memberships = list(found.memberships)
        # Touch at most once a minute: a write per request would make every read a write.
        if found.last_used_at is None or found.last_used_at < now - dt.timedelta(seconds=TOUCH_EVERY):
            ApiToken.objects.filter(pk=found.token_id).update(last_used_at=now)
            found.last_used_at = now
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in page session; unsafe methods need the CSRF token like any form."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_active:
            return user
        return None


api_auth = [BearerToken(), SessionAuth()]
