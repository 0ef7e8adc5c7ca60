"""Types shared by every layer: the user model as core may name it, and requests whose user is signed in.

Core does not import `accounts`, so it names the user model through django-stubs' `_User` alias, which the mypy
plugin resolves to `settings.AUTH_USER_MODEL` (`gongzhi.accounts.models.User`); the apps import the model itself.

`UserRequest` and `ApiRequest` are annotations only: Django and django-ninja hand views a plain `HttpRequest` (ninja
finds the request parameter by its name). They tell mypy what the authentication in front of the view guarantees:
`UserRequest` for a page behind login (`login_required` or a `page` decorator), `ApiRequest` for an API operation
behind `api_auth`, whose `request.auth` is the user the token or the session belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # only in django-stubs: the configured user model

__all__ = ["ApiRequest", "User", "UserRequest"]


class UserRequest(HttpRequest):
    user: User


class ApiRequest(UserRequest):
    auth: User
