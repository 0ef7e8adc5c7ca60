from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.core import pii


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the registered phone number; answer `has_perm` for the area rules.

    `user.has_perm("points.view")` is true when the user holds the rule at some area, and
    `user.has_perm("points.view", "370211001001")` when they hold it at that area (accounts.rules). This is how
    `core.pages.page(rule)` checks a page's rule without core knowing roles. Any other name (Django's own model
    permissions, "app.view_model") goes to ModelBackend as before.
    """

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if perm in rules.RULES:
            if isinstance(obj, str):
                return rules.allows(user_obj, perm, obj)
            return bool(rules.scope_codes(user_obj, perm))
        return super().has_perm(user_obj, perm, obj=obj)

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            try:
                phone = pii.normalize_phone(username)
            except Exception:  # not a phone number either
                phone = ""
            if phone:
                user = User.objects.filter(phone_hash__in=pii.lookup_hashes(phone)).first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not reveal unknown names
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
