"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), the few lines two-factor sign-in needs.

Written here rather than taken from django-otp: its recovery ("static") tokens are stored in clear and its device
models would sit beside ours unused; what we need is the code check itself, which is this file, tested against the
RFC's own vectors (tests/otp/test_totp.py). A code is checked against the current 30-second step and one step
either side (a phone's clock drifts); the caller keeps the step it accepted last and passes it as `after`, so a code
once used — or any older one — is refused within its window (RFC 6238 §5.2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # accept the previous and the next step too


def new_secret() -> str:
    """A random 160-bit key in base32 without padding (what authenticator apps accept)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret_b32: str) -> bytes:
    cleaned = secret_b32.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC of the counter, dynamically truncated to `digits` decimal digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def code_at(secret_b32: str, unix_time: float) -> str:
    """The code an authenticator app shows at `unix_time` for this secret."""
    return hotp(_key(secret_b32), step_at(unix_time))


def normalize_code(raw: str) -> str:
    """Digits only: people type "123 456" or "123-456"."""
    return "".join(ch for ch in (raw or "") if not ch.isspace() and ch != "-")


def matching_step(secret_b32: str, code: str, unix_time: float, *, after: int | None = None) -> int | None:
    """The time step whose code is `code` (within the drift), later than `after`; None when there is none."""
    code = normalize_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret_b32)
    now = step_at(unix_time)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret_b32: str, *, account: str, issuer: str) -> str:
    """The otpauth:// address a QR code carries (Google Authenticator's key URI format)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret_b32, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": 30})
    return f"otpauth://totp/{label}?{query}"


def grouped(secret_b32: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret_b32[i : i + 4] for i in range(0, len(secret_b32), 4))


def recovery_code() -> str:
    """A one-time recovery code: 10 characters of an unambiguous alphabet (~50 bits), shown as xxxxx-xxxxx."""
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def recovery_digest(code: str) -> str:
    """What is stored of a recovery code: the SHA-256 of its normalized form (the code itself is shown once)."""
    return hashlib.sha256(normalize_code(code).lower().encode()).hexdigest()
