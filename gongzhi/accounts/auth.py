"""API authentication: a bearer token for clients, the session for pages that call the API."""

import datetime as dt
from functools import cache
from typing import Any

from django.db import connection
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from gongzhi.accounts.models import ApiToken, Membership, User
from gongzhi.areas.models import Area
from gongzhi.core import clock

TOUCH_EVERY = 60  # seconds


@cache
def _token_sql() -> str:
    """Token, user and the user's memberships in one statement (one row per membership).

    Written out once instead of built by the ORM per request: compiling the equivalent queryset cost more than
    running it, and the memberships every rule check needs come with it instead of in a second round trip.
    """
    user_cols = ", ".join(f'u."{f.column}"' for f in User._meta.concrete_fields)
    return (
        f"SELECT {user_cols}, t.id AS gz_token_id, "  # noqa: S608 - table and column names come from the models
        "CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS gz_touch, "
        "m.role AS gz_role, a.code AS gz_area_code "
        f"FROM {ApiToken._meta.db_table} t "
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"LEFT JOIN {Membership._meta.db_table} m ON m.user_id = u.id "
        f"LEFT JOIN {Area._meta.db_table} a ON a.id = m.area_id "
        "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active"
    )


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        now = clock.now()
        stale = now - dt.timedelta(seconds=TOUCH_EVERY)
        stale_db = connection.ops.adapt_datetimefield_value(stale)
        # Any: raw() sets the extra gz_* columns of _token_sql as attributes the model does not declare.
        rows: list[Any] = list(User.objects.raw(_token_sql(), [stale_db, ApiToken.digest_of(token)]))
        if not rows:
            return None
        first = rows[0]
        user: User = first
        # rules._memberships reads this; one request sees one set of memberships.
        user._gz_memberships = [(r.gz_role, r.gz_area_code) for r in rows if r.gz_role is not None]
        # Touch at most once a minute: a write per request would make every read a write.
        if first.gz_touch:
            ApiToken.objects.filter(pk=first.gz_token_id).update(last_used_at=now)
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
