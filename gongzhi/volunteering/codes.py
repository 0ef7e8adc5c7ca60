"""Rotating check-in/out codes: an HMAC over (activity, purpose, time step) that the organiser's phone shows as a QR code.

A code is valid during its own step and the next one (30–60 s), so a screenshot forwarded to someone at home stops
working within a minute. The key derives from SECRET_KEY and the activity's salt; nothing is stored per code until
a person uses it (then a UsedCode row refuses the same code from them again).
"""

import hashlib
import hmac
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.errors import ValidationFailed

STEP_SECONDS = 30
ACCEPTED_STEPS = 2  # the current step and the one before it
PURPOSES = ("in", "out")
MAC_LENGTH = 20


@dataclass(frozen=True)
class ParsedCode:
    activity_id: int
    purpose: str
    step: int


def current_step() -> int:
    return math.floor(clock.now().timestamp() / STEP_SECONDS)


def seconds_left() -> int:
    return STEP_SECONDS - int(clock.now().timestamp()) % STEP_SECONDS


def _key(salt: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"gongzhi.volunteering.qr:{salt}".encode(), hashlib.sha256).digest()


def _mac(*, activity_id: int, salt: str, purpose: str, step: int) -> str:
    return hmac.new(_key(salt), f"{activity_id}:{purpose}:{step}".encode(), hashlib.sha256).hexdigest()[:MAC_LENGTH]


def make(*, activity_id: int, salt: str, purpose: str, step: int | None = None) -> str:
    step = current_step() if step is None else step
    return f"{activity_id}.{purpose}.{step}.{_mac(activity_id=activity_id, salt=salt, purpose=purpose, step=step)}"


def verify(code: str, *, activity_id: int, salt: str, purpose: str) -> ParsedCode:
    """The parsed code, or ValidationFailed naming why: unreadable, another activity, wrong purpose, expired."""
    parts = (code or "").strip().split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].lstrip("-").isdigit():
        raise ValidationFailed(_("签到码无法识别，请重新扫描组织者出示的二维码"), field="code")
    code_activity, code_purpose, step = int(parts[0]), parts[1], int(parts[2])
    if code_activity != activity_id:
        raise ValidationFailed(_("这是另一场活动的签到码，不能用于本活动"), field="code")
    if code_purpose not in PURPOSES:
        raise ValidationFailed(_("签到码无法识别，请重新扫描组织者出示的二维码"), field="code")
    expected = _mac(activity_id=activity_id, salt=salt, purpose=code_purpose, step=step)
    if not hmac.compare_digest(expected, parts[3]):
        raise ValidationFailed(_("签到码无效，请重新扫描组织者出示的二维码"), field="code")
    if code_purpose != purpose:
        if purpose == "in":
            raise ValidationFailed(_("这是签退码，签到请扫描签到码"), field="code")
        raise ValidationFailed(_("这是签到码，签退请扫描签退码"), field="code")
    now_step = current_step()
    if not (now_step - ACCEPTED_STEPS < step <= now_step):
        raise ValidationFailed(_("签到码已过期，请扫描组织者手机上最新的二维码"), field="code")
    return ParsedCode(activity_id=code_activity, purpose=code_purpose, step=step)
