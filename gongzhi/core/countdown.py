"""A deadline in words: 剩余 1天3小时 / 剩余 2小时5分钟 / 超时 6分钟30秒 — the one wording every page uses.

The server writes the first text; `static/js/countdown.js` keeps it ticking every second with the same phrases,
which it reads from the page (`{% countdown_i18n %}` of `core/templatetags/countdown.py` puts them there), so
both always say the same words in the user's language.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def countdown_formats() -> dict[str, str]:
    """The phrases, translated; the page script fills the same placeholders."""
    return {
        "days": _("%(d)d天%(h)d小时"),
        "hours": _("%(h)d小时%(m)d分钟"),
        "minutes": _("%(m)d分钟%(s)d秒"),
        "left": _("剩余 %(span)s"),
        "over": _("超时 %(span)s"),
    }


def countdown_text(seconds: int | None) -> str:
    """Seconds to a deadline (negative: past it) in words: days and hours, hours and minutes, or minutes and
    seconds under an hour. None (no deadline) is the empty string."""
    if seconds is None:
        return ""
    formats = countdown_formats()
    left = abs(int(seconds))
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        span = formats["days"] % {"d": days, "h": hours}
    elif hours:
        span = formats["hours"] % {"h": hours, "m": minutes}
    else:
        span = formats["minutes"] % {"m": minutes, "s": secs}
    return formats["over" if seconds < 0 else "left"] % {"span": span}
