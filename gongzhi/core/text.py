"""The one check of free text that writes share: a string, stripped, not empty when required, not too long."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed


def clean_text(value: object, *, field: str, max_length: int = 2000, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("%(field)s 必须是文本") % {"field": field}, field=field)
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("%(field)s 不能为空") % {"field": field}, field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("%(field)s 太长：最多 %(max)d 个字符") % {"field": field, "max": max_length}, field=field
        )
    return value
