"""factory_boy factories for the rows tests need around the personas of conftest.py: users (with a role in an
area), areas (the small district tree), households, residents, grid assignments, departments and appeal categories.

Only what a test says matters is written in it: `UserFactory()` is some user, `UserFactory(role="grid_worker",
at=areas[GRID_A])` a grid worker of grid A, `ResidentFactory(household=household_a, name="王五")` a resident with a
valid ID number of their own. Derived fields follow what they derive from (a resident's area is the household's, an
assignment's area code its area's), and writes that have an action go through it (a membership is granted by
`membership_grant`, so its audit row and rules are the real ones). Activities, awards, appeals and the other
lifecycles are made by their actions in each app's conftest, not here.
"""

from __future__ import annotations

import itertools
from typing import Any

import factory
from factory.django import DjangoModelFactory

from gongzhi.accounts.actions import membership_grant
from gongzhi.accounts.models import User
from gongzhi.appeals.models import Category
from gongzhi.areas.models import Area
from gongzhi.areas.tiling import box_polygon, split_box
from gongzhi.core.chinese import name_keys
from gongzhi.core.pii import birth_date_from_id, gender_from_id, id_check_digit
from gongzhi.people.models import Department, GridAssignment, Household, Resident, Tag

DISTRICT_BOX = (120.00, 35.80, 120.20, 36.00)
PASSWORD = "pass-1234"
_serial = itertools.count(1)


def make_id_number(birth: str = "19800101", area: str = "370211", seq: int | None = None) -> str:
    """A checksum-valid ID number; `seq` keeps them unique across a test."""
    seq = next(_serial) if seq is None else seq
    first17 = f"{area}{birth}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


class UserFactory(DjangoModelFactory):
    """A user who signs in with PASSWORD; with `role` and `at`, also a member in that role over that area."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.SelfAttribute("username")
    password = PASSWORD
    role = None
    at = None

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        role, at = kwargs.pop("role"), kwargs.pop("at")
        user = model_class.objects.create_user(*args, **kwargs)
        if role is not None and at is not None:
            membership_grant(actor=None, user=user, role=role, area=at)
        return user


class AreaFactory(DjangoModelFactory):
    """An area; `box` (lng/lat min and max) gives it a rectangular boundary and its centre as the map point."""

    class Meta:
        model = Area

    class Params:
        box: Any = None

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.LazyAttribute(lambda o: f"区域{o.code}")
    level = "district"
    parent = None
    boundary = factory.LazyAttribute(lambda o: box_polygon(o.box) if o.box is not None else None)
    point_lng = factory.LazyAttribute(lambda o: (o.box[0] + o.box[2]) / 2 if o.box is not None else None)
    point_lat = factory.LazyAttribute(lambda o: (o.box[1] + o.box[3]) / 2 if o.box is not None else None)


def build_area_tree() -> dict[str, Area]:
    """370211 district → streets 001 (灵山卫) and 002 (长江路) → two communities each → two grids → two micro-grids.

    Every level tiles its parent, so any point in the district box resolves to one micro-grid.
    """
    out: dict[str, Area] = {}
    district = out["370211"] = AreaFactory(code="370211", name="黄岛区", level="district", box=DISTRICT_BOX)
    street_names = {"001": "灵山卫街道", "002": "长江路街道"}
    for (s_code, s_name), s_box in zip(street_names.items(), split_box(DISTRICT_BOX, 2), strict=True):
        street = out[district.code + s_code] = AreaFactory(
            code=district.code + s_code, name=s_name, level="street", parent=district, box=s_box
        )
        for ci, c_box in enumerate(split_box(s_box, 2), start=1):
            c_code = f"{street.code}{ci:03d}"
            community = out[c_code] = AreaFactory(
                code=c_code, name=f"{s_name[:3]}{ci}社区", level="community", parent=street, box=c_box
            )
            for gi, g_box in enumerate(split_box(c_box, 2), start=1):
                g_code = f"{c_code}{gi:03d}"
                grid = out[g_code] = AreaFactory(
                    code=g_code, name=f"{community.name}{gi}网格", level="grid", parent=community, box=g_box
                )
                for mi, m_box in enumerate(split_box(g_box, 2), start=1):
                    m_code = f"{g_code}{mi:02d}"
                    out[m_code] = AreaFactory(
                        code=m_code, name=f"{grid.name}{mi}微网格", level="microgrid", parent=grid, box=m_box
                    )
    return out


class HouseholdFactory(DjangoModelFactory):
    """A household in `area` (a micro-grid of the tree), with a unique number and an address there."""

    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"H{n:06d}")
    area_code = factory.SelfAttribute("area.code")
    address = factory.LazyAttribute(lambda o: f"{o.area.name}{o.number}")


class ResidentFactory(DjangoModelFactory):
    """A resident of `household` with a valid ID number of their own (gender and birth date follow from it), an
    optional phone and tags; the pinyin keys come from the name, and the ID number and phone are stored by the
    model's own setters (encrypted, with their lookup hash), as the real writes store them."""

    class Meta:
        model = Resident
        skip_postgeneration_save = True

    household = None
    area = factory.SelfAttribute("household.area")
    area_code = factory.SelfAttribute("household.area_code")
    name = "张三"
    name_pinyin = factory.LazyAttribute(lambda o: name_keys(o.name)[0])
    name_initials = factory.LazyAttribute(lambda o: name_keys(o.name)[1])
    id_number = factory.LazyFunction(make_id_number)
    phone = ""
    gender = factory.LazyAttribute(lambda o: gender_from_id(o.id_number))
    birth_date = factory.LazyAttribute(lambda o: birth_date_from_id(o.id_number))

    @classmethod
    def _create(cls, model_class: type[Resident], *args: Any, **kwargs: Any) -> Resident:
        id_number, phone = kwargs.pop("id_number"), kwargs.pop("phone")
        resident = model_class(*args, **kwargs)
        resident.set_id_number(id_number)
        resident.set_phone(phone)
        resident.save()
        return resident

    @factory.post_generation
    def tags(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        for name in extracted or []:
            self.tags.add(Tag.objects.get_or_create(name=name, defaults={"code": f"t{next(_serial)}"})[0])


class GridAssignmentFactory(DjangoModelFactory):
    """`user` working `area` (a grid or micro-grid): full-time by default; `is_owner` / `on_duty` as the test says."""

    class Meta:
        model = GridAssignment

    user = factory.SubFactory(UserFactory)
    area_code = factory.SelfAttribute("area.code")
    kind = "full_time"


class DepartmentFactory(DjangoModelFactory):
    """A government department that can be summoned (吹哨) to an appeal."""

    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.LazyAttribute(lambda o: f"部门{o.code}")
    kind = "government"


class CategoryFactory(DjangoModelFactory):
    """An appeal category; with `parent`, a subcategory (the kind an appeal is filed under)."""

    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.LazyAttribute(lambda o: f"类别{o.code}")
    parent = None
