"""What the counter's scanner read, turned into a pickup code.

The order page's QR code carries the counter URL (`…/points/counter/?code=ABCD2345`), a phone camera or a USB
keyboard-wedge scanner may hand over that whole URL, and a worker may type the bare code from the resident's screen,
in lower case or with spaces. All of them end here, so the page and any later client agree on what is a code.
"""

import re
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed
from gongzhi.points.actions.redemption import PICKUP_ALPHABET

CODE_LENGTH = 8
_CODE = re.compile(rf"[{PICKUP_ALPHABET}]{{{CODE_LENGTH}}}")
_MAX_SCANNED = 2048  # a QR code of a URL is far shorter; anything longer is not ours
_SEPARATORS = re.compile(r"[\s\-_·]+")


def _from_url(text: str) -> str:
    parts = urlsplit(text)
    codes = parse_qs(parts.query).get("code")
    if codes:
        return codes[0]
    # A URL without ?code= may still end in the code (a printed short link).
    segments = [s for s in parts.path.split("/") if s]
    return segments[-1] if segments else ""


def parse_pickup_code(scanned: str | None) -> str:
    """The upper-case 8-character pickup code in `scanned` (a bare code or a URL with `code=`), else a clear error."""
    text = (scanned or "").strip()
    if not text:
        raise ValidationFailed(_("请扫描二维码或输入取货码"), field="code")
    if len(text) > _MAX_SCANNED:
        raise ValidationFailed(_("扫描内容过长，不是取货二维码"), field="code")
    if "://" in text or text.startswith("/") or "?" in text:
        text = _from_url(text)
    code = _SEPARATORS.sub("", text).upper()
    if not _CODE.fullmatch(code):
        raise ValidationFailed(
            _("取货码无效：%(code)s（应为 8 位字母或数字，不含 0、1、I、O）") % {"code": code[:24] or text[:24]},
            field="code",
        )
    return code
