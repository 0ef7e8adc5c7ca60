"""Field checks shared by forms, the API, the importer and the demo seed. Each returns the clean value or raises
ValidationFailed naming the field."""

import datetime as dt
from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import pii
from gongzhi.core.errors import ValidationFailed
from gongzhi.people.models import Gender, PartyMemberKind

MAX_NAME = 64


def clean_name(value: str, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("姓名不能为空"), field=field)
    if len(value) > MAX_NAME:
        raise ValidationFailed(_("姓名过长（最多 %(n)d 个字）") % {"n": MAX_NAME}, field=field)
    return value


def clean_gender(value: str | None, id_number: str) -> str:
    if not value:
        return pii.gender_from_id(id_number)
    mapping = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
    gender = mapping.get(str(value).strip())
    if gender is None:
        raise ValidationFailed(_("性别应为“男”或“女”"), field="gender")
    if gender != pii.gender_from_id(id_number):
        raise ValidationFailed(_("性别与身份证号不符"), field="gender")
    return gender


def clean_birth_date(value: object, id_number: str) -> dt.date:
    from_id = pii.birth_date_from_id(id_number)
    if value in (None, ""):
        return from_id
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip().replace("/", "-"))
        except ValueError:
            raise ValidationFailed(_("出生日期格式应为 YYYY-MM-DD"), field="birth_date") from None
    if not isinstance(value, dt.date):
        raise ValidationFailed(_("出生日期格式应为 YYYY-MM-DD"), field="birth_date")
    if value != from_id:
        raise ValidationFailed(_("出生日期与身份证号不符"), field="birth_date")
    return value


def clean_microgrid(
    code: str, areas_by_code: Mapping[str, Area | None] | None = None, field: str = "area_code"
) -> Area:
    code = str(code or "").strip().replace(" ", "")
    area = areas_by_code.get(code) if areas_by_code is not None else Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailed(_("区域编码 %(c)s 不存在") % {"c": code or "—"}, field=field)
    if area.level != AreaLevel.MICROGRID:
        raise ValidationFailed(
            _("户必须属于微网格（17 位编码），%(c)s 是%(l)s") % {"c": code, "l": area.get_level_display()}, field=field
        )
    return area


def clean_party_kind(value: str) -> str:
    value = (value or "").strip()
    # Workbooks say 自管党员 whatever language the importing user reads the page in.
    with translation.override("zh-hans"):
        by_label = {str(label): key for key, label in PartyMemberKind.choices}
    by_label |= {str(label): key for key, label in PartyMemberKind.choices}
    if value in PartyMemberKind.values:
        return value
    if value in by_label:
        return by_label[value]
    raise ValidationFailed(_("党员类型应为：自管党员、在职报到党员或流动党员"), field="kind")


GENDER_LABEL = dict(Gender.choices)
