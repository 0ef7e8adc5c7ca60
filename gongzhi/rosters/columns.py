"""The fixed columns of each roster kind, and matching a sheet's header row against them."""

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.errors import ValidationFailed
from gongzhi.rosters.models import RosterKind


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise  # the Chinese header written in templates and exports
    aliases: tuple[str, ...] = ()  # English headers also accepted
    hint: str | Promise = ""

    @property
    def header(self) -> str:
        return str(self.label)


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str | Promise
    titles: tuple[str, ...]  # sheet names that mark a sheet as this kind inside a bigger workbook
    columns: tuple[Column, ...]
    rule: str

    def column(self, key: str) -> Column:
        return self._by_key[key]

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}


L = gettext_lazy

HOUSEHOLDS = Sheet(
    kind=RosterKind.HOUSEHOLDS,
    title=L("户"),
    titles=("户", "户信息", "households"),
    rule="people.import",
    columns=(
        Column(
            "number", L("户编号"), ("household_number", "household_no", "number"), L("本户唯一编号，重复导入按此匹配")
        ),
        Column("area_code", L("微网格编码"), ("microgrid_code", "area_code"), L("17 位微网格编码，请用文本格式")),
        Column("address", L("地址"), ("address",), L("必填")),
        Column("room", L("门牌号"), ("room", "room_number"), L("可空")),
    ),
)

RESIDENTS = Sheet(
    kind=RosterKind.RESIDENTS,
    title=L("居民"),
    titles=("居民", "居民信息", "residents"),
    rule="people.import",
    columns=(
        Column(
            "household_number", L("户编号"), ("household_number", "household_no"), L("已登记的户，或本文件“户”表中的户")
        ),
        Column("name", L("姓名"), ("name",), L("必填")),
        Column(
            "id_number", L("身份证号"), ("id_number", "id_card", "id_no"), L("18 位，请用文本格式；重复导入按此匹配")
        ),
        Column("phone", L("手机号"), ("phone", "mobile"), L("可空")),
        Column("gender", L("性别"), ("gender", "sex"), L("男/女，可空（取自身份证号）")),
        Column("birth_date", L("出生日期"), ("birth_date", "birthday", "date_of_birth"), L("YYYY-MM-DD，可空")),
        Column("relation", L("与户主关系"), ("relation", "relationship"), L("如 户主、配偶、子女")),
        Column("tags", L("标签"), ("tags",), L("多个用“、”或“,”分隔")),
    ),
)

PARTY_MEMBERS = Sheet(
    kind=RosterKind.PARTY_MEMBERS,
    title=L("党员"),
    titles=("党员", "党员信息", "party_members"),
    rule="party.manage",
    columns=(
        Column("name", L("姓名"), ("name",), L("必填")),
        Column(
            "id_number", L("身份证号"), ("id_number", "id_card", "id_no"), L("18 位，请用文本格式；重复导入按此匹配")
        ),
        Column("phone", L("手机号"), ("phone", "mobile"), L("可空")),
        Column(
            "kind", L("党员类型"), ("kind", "member_type", "party_member_type"), L("自管党员、在职报到党员或流动党员")
        ),
        Column("organization", L("所在党组织"), ("organization", "party_organization"), L("党组织全称")),
        Column("area_code", L("报到社区编码"), ("community_code", "area_code"), L("可空（取党组织所在区域）")),
        Column("workplace", L("工作单位"), ("workplace", "employer"), L("可空")),
        Column("joined_on", L("入党日期"), ("joined_on", "join_date", "joined_date"), L("YYYY-MM-DD，可空")),
    ),
)

SHEETS = {s.kind: s for s in (HOUSEHOLDS, RESIDENTS, PARTY_MEMBERS)}

_SPACES = re.compile(r"[\s_\-\u3000]+")
_HINT = re.compile(r"[（(][^）)]*[）)]$")


def normalize_header(value: object) -> str:
    """'身份证号*', ' 身份证号（18位）', 'ID_Number' and 'id number' all compare equal to their column."""
    text = str(value if value is not None else "").strip().rstrip("*＊").strip()
    text = _HINT.sub("", text)
    return _SPACES.sub("", text).lower()


def _known(sheet: Sheet) -> dict[str, str]:
    known: dict[str, str] = {}
    for col in sheet.columns:
        for name in (col.header, *col.aliases):
            known[normalize_header(name)] = col.key
    return known


def looks_like_header(sheet: Sheet, cells: tuple[Any, ...]) -> bool:
    known = _known(sheet)
    return any(normalize_header(c) in known for c in cells if c not in (None, ""))


def match_headers(sheet: Sheet, cells: tuple[Any, ...], *, sheet_name: str) -> dict[str, int]:
    """Map each column key to its cell index, or reject the whole sheet naming what is missing or unknown."""
    known = _known(sheet)
    found: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        key = known.get(normalize_header(cell))
        if key is None:
            unknown.append(str(cell).strip())
        elif key in found:
            repeated.append(str(cell).strip())
        else:
            found[key] = index
    missing = [c.header for c in sheet.columns if c.key not in found]
    problems = []
    if missing:
        problems.append(_("缺少列：%(cols)s") % {"cols": "、".join(missing)})
    if unknown:
        problems.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
    if repeated:
        problems.append(_("重复的列：%(cols)s") % {"cols": "、".join(repeated)})
    if problems:
        raise ValidationFailed(
            _("工作表“%(sheet)s”的表头不正确。%(problems)s。应为：%(expected)s")
            % {
                "sheet": sheet_name,
                "problems": "；".join(problems),
                "expected": "、".join(c.header for c in sheet.columns),
            },
            field="file",
            details={"sheet": sheet_name, "missing": missing, "unknown": unknown, "repeated": repeated},
        )
    return found
