"""Building blocks for tests: a small area tree with boundaries, people and users in named roles."""

import itertools

from gongzhi.accounts.actions import membership_grant
from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.areas.tiling import box_polygon, split_box
from gongzhi.core.chinese import name_keys
from gongzhi.core.pii import id_check_digit
from gongzhi.people.models import Household, Resident, Tag

DISTRICT_BOX = (120.00, 35.80, 120.20, 36.00)
_serial = itertools.count(1)


def make_id_number(birth: str = "19800101", area: str = "370211", seq: int | None = None) -> str:
    """A checksum-valid ID number; `seq` keeps them unique across a test."""
    seq = next(_serial) if seq is None else seq
    first17 = f"{area}{birth}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


def area(code: str, name: str, level: str, parent: Area | None, box: tuple | None) -> Area:
    obj = Area(code=code, name=name, level=level, parent=parent)
    if box is not None:
        obj.boundary = box_polygon(box)
        obj.point_lng, obj.point_lat = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    obj.save()
    return obj


def build_area_tree() -> dict[str, Area]:
    """370211 district → streets 001 (灵山卫) and 002 (长江路) → two communities each → two grids → two micro-grids.

    Every level tiles its parent, so any point in the district box resolves to one micro-grid.
    """
    out: dict[str, Area] = {}
    district = out["370211"] = area("370211", "黄岛区", "district", None, DISTRICT_BOX)
    street_names = {"001": "灵山卫街道", "002": "长江路街道"}
    for (s_code, s_name), s_box in zip(street_names.items(), split_box(DISTRICT_BOX, 2), strict=True):
        street = out[district.code + s_code] = area(district.code + s_code, s_name, "street", district, s_box)
        for ci, c_box in enumerate(split_box(s_box, 2), start=1):
            c_code = f"{street.code}{ci:03d}"
            community = out[c_code] = area(c_code, f"{s_name[:3]}{ci}社区", "community", street, c_box)
            for gi, g_box in enumerate(split_box(c_box, 2), start=1):
                g_code = f"{c_code}{gi:03d}"
                grid = out[g_code] = area(g_code, f"{community.name}{gi}网格", "grid", community, g_box)
                for mi, m_box in enumerate(split_box(g_box, 2), start=1):
                    m_code = f"{g_code}{mi:02d}"
                    out[m_code] = area(m_code, f"{grid.name}{mi}微网格", "microgrid", grid, m_box)
    return out


def make_user(
    username: str,
    *,
    role: str | None = None,
    at: Area | None = None,
    password: str = "pass-1234",
    display_name: str = "",
) -> User:
    user = User.objects.create_user(username=username, password=password, display_name=display_name or username)
    if role is not None and at is not None:
        membership_grant(actor=None, user=user, role=role, area=at)
    return user


def make_household(at: Area, number: str | None = None, address: str = "") -> Household:
    number = number or f"H{next(_serial):06d}"
    return Household.objects.create(number=number, area=at, area_code=at.code, address=address or f"{at.name}{number}")


def make_resident(
    household: Household,
    name: str = "张三",
    *,
    id_number: str | None = None,
    phone: str = "",
    tags: list[str] | None = None,
) -> Resident:
    from gongzhi.core.pii import birth_date_from_id, gender_from_id

    id_number = id_number or make_id_number()
    full, initials = name_keys(name)
    r = Resident(
        household=household,
        area_id=household.area_id,
        area_code=household.area_code,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender=gender_from_id(id_number),
        birth_date=birth_date_from_id(id_number),
    )
    r.set_id_number(id_number)
    r.set_phone(phone)
    r.save()
    for t in tags or []:
        r.tags.add(Tag.objects.get_or_create(name=t, defaults={"code": f"t{next(_serial)}"})[0])
    return r
