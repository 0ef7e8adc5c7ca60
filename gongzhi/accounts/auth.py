"""API authentication: a bearer token for clients, the session for pages that call the API."""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from gongzhi.accounts.models import ApiToken
from gongzhi.core import clock


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = clock.now()
        # Touch at most once a minute: a write per request would make every read a write.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The logged-in page session; unsafe methods need the CSRF token like any form."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api_auth = [BearerToken(), SessionAuth()]
