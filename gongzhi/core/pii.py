"""Personal data: validation, encryption at rest, a keyed hash for lookup, and masking for display."""

import base64
import datetime as dt
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(raw: str, *, field: str = "id_number") -> str:
    """Return the canonical 18-character ID number or raise with the reason (GB 11643-1999)."""
    value = (raw or "").strip().upper().replace(" ", "")
    if not _ID_RE.match(value):
        raise ValidationFailed(_("身份证号应为 18 位，前 17 位为数字，末位为数字或 X"), field=field)
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationFailed(_("身份证号中的出生日期无效"), field=field) from None
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationFailed(_("身份证号校验位错误"), field=field)
    return value


def birth_date_from_id(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_from_id(id_number: str) -> str:
    return "M" if int(id_number[16]) % 2 else "F"


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    value = re.sub(r"[\s()]", "", (raw or "").strip())
    if value.startswith("+86"):
        value = value[3:]
    if _PHONE_RE.match(value) or _LANDLINE_RE.match(value):
        return value
    raise ValidationFailed(_("手机号应为 11 位、以 1 开头，固定电话应带区号"), field=field)


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(("enc:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@lru_cache(maxsize=4)
def _hash_key(key: str) -> bytes:
    return hashlib.sha256(("mac:" + key).encode()).digest()


def keys_in_use() -> list[str]:
    """PII_KEY, then — while a rotation is under way (docs/operations.md) — PII_KEY_PREVIOUS."""
    previous = getattr(settings, "PII_KEY_PREVIOUS", "")
    return [settings.PII_KEY] + ([previous] if previous and previous != settings.PII_KEY else [])


def encrypt(value: str) -> str:
    """A Fernet token under PII_KEY (never under the previous key)."""
    if not value:
        return ""
    return _fernet(settings.PII_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The value of a token made under PII_KEY or, during a rotation, PII_KEY_PREVIOUS."""
    if not token:
        return ""
    keys = keys_in_use()
    for key in keys[:-1]:
        try:
            return _fernet(key).decrypt(token.encode()).decode()
        except InvalidToken:
            continue
    return _fernet(keys[-1]).decrypt(token.encode()).decode()


def is_current(token: str) -> bool:
    """True when the token was made under PII_KEY itself (or is empty)."""
    if not token:
        return True
    try:
        _fernet(settings.PII_KEY).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def lookup_hash(value: str) -> str:
    """A keyed hash: equal inputs match, but the column alone reveals nothing without PII_KEY."""
    if not value:
        return ""
    return _hash_under(settings.PII_KEY, value)


def _hash_under(key: str, value: str) -> str:
    return hmac.new(_hash_key(key), value.encode(), hashlib.sha256).hexdigest()


def lookup_hashes(value: str) -> list[str]:
    """Every hash a stored row of `value` may carry: under PII_KEY and, during a rotation, under the previous key.
    Lookups filter with `<field>_hash__in=lookup_hashes(value)` so rows not yet rotated are found too."""
    if not value:
        return [""]
    return [_hash_under(key, value) for key in keys_in_use()]


def hash_matches(stored: str, value: str) -> bool:
    """Whether a stored hash is the hash of `value` under a key in use."""
    return stored in lookup_hashes(value)


def key_id(key: str) -> str:
    """A short public name for a key (a one-way digest), so records can say which key they mean."""
    return hashlib.sha256(("id:" + key).encode()).hexdigest()[:16]


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    return value[:-4].rstrip("-")[:4] + "****" + value[-4:]
