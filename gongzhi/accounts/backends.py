from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from gongzhi.accounts.models import User
from gongzhi.core import pii


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the registered phone number."""

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
                user = User.objects.filter(phone_hash=pii.lookup_hash(phone)).first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not reveal unknown names
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
