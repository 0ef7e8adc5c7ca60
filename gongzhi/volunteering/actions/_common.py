"""Checks and the activity lock that several volunteering actions share; not for callers outside the package."""

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering.models import (
    Activity,
    Skill,
)


def _choice(value: str, choices: Iterable[str], *, field: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise ValidationFailed(
            _("%(field)s 取值无效，可选：%(allowed)s") % {"field": field, "allowed": ", ".join(allowed)},
            field=field,
        )
    return value


def _aware(value: dt.datetime, *, field: str) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _area(area: Area | None, *, field: str = "area") -> Area:
    if area is None:
        raise ValidationFailed(_("请指定区域"), field=field)
    return area


def _skills(names: Iterable[str]) -> list[Skill]:
    out = []
    for raw in names:
        name = _text(raw, field="skills", max_length=32)
        if not name:
            continue
        code = "s" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12]
        out.append(Skill.objects.get_or_create(name=name, defaults={"code": code})[0])
    return out


def lock_activity(activity_id: int) -> Activity:
    # The row lock serialises everyone counting places or moving the waitlist of this activity.
    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("活动不存在：%(id)s") % {"id": activity_id}, field="activity_id")
    return activity
