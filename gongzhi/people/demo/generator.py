"""The demo district as plain data: no database here, so the plan can be tested, benchmarked and compared.

`build_plan(size)` lays out the area tree (with boundaries that tile each parent) and where people live;
`iter_settlements(plan, seed)` then yields each compound or village with its households and residents.
Everything is drawn from `random.Random` instances seeded from `seed`, in a fixed order, so one seed always
gives the same codes, names and ID numbers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from gongzhi.areas.tiling import Box, split_box
from gongzhi.core.pii import id_check_digit
from gongzhi.people.demo import names as N

_T = TypeVar("_T")

DISTRICT_CODE = "370211"
DISTRICT_NAME = "黄岛区"
DISTRICT_BOX: Box = (119.9, 35.8, 120.3, 36.1)
# Ages and ID numbers are computed against a fixed day so that a seed gives the same people in any year.
REFERENCE_DATE = dt.date(2025, 1, 1)

# The compound of seed 004: 15 buildings, 1,190 households; its party branch has 20 self-managed members,
# 88 in-service members and 1 floating member, 15 responsibility zones and 8 service posts.
RUICHENG = "长江瑞城小区"
RUICHENG_GRID = "370211002001001"
RUICHENG_BUILDINGS = 15
RUICHENG_HOUSEHOLDS = 1190
RUICHENG_PARTY = {"self_managed": 20, "in_service": 88, "floating": 1}
RUICHENG_ZONES = 15
RUICHENG_POSTS = 8
RIDER_COMMUNITY = "370211004001"  # 华顶山路社区
RIDER_COUNT = 7

MEAN_HOUSEHOLD = 2.68
_HOUSEHOLD_SIZES = [(1, 20), (2, 30), (3, 25), (4, 15), (5, 7), (6, 3)]

TAGS: list[tuple[str, str]] = [
    ("empty-nest", "空巢"),
    ("living-alone", "独居"),
    ("child-in-difficulty", "困境儿童"),
    ("low-income", "低保"),
    ("disabled", "残疾"),
    ("veteran", "退役军人"),
    ("floating", "流动人口"),
    ("party-member", "党员"),
    ("entitled", "优抚对象"),
]


@dataclass(frozen=True)
class Size:
    residents: int
    grids: int  # grids in an ordinary community
    micro: int  # micro-grids in an ordinary grid
    changjianglu: int  # communities of 长江路街道
    xuejiadao: int  # communities of 薛家岛街道


SIZES = {
    "S": Size(3_000, grids=2, micro=2, changjianglu=3, xuejiadao=2),
    "M": Size(100_000, grids=5, micro=6, changjianglu=6, xuejiadao=6),
    "L": Size(1_000_000, grids=12, micro=20, changjianglu=12, xuejiadao=12),
}


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: str
    parent: str | None
    box: Box


@dataclass
class Block:
    """One micro-grid's worth of homes: a building of a compound, or a part of a village."""

    micro_code: str
    households: int
    building: int | None = None  # building number inside the compound; None in a village
    units: int = 0


@dataclass
class Settlement:
    """A compound (小区) or, in 胶南街道, a village: everything living in one grid."""

    name: str
    grid_code: str
    community_code: str
    village: bool
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Plan:
    size: str
    areas: list[AreaSpec]
    settlements: list[Settlement]

    @property
    def household_count(self) -> int:
        return sum(b.households for s in self.settlements for b in s.blocks)

    def micro_codes(self) -> list[str]:
        return [a.code for a in self.areas if a.level == "microgrid"]


@dataclass
class ResidentSpec:
    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    phone: str
    relation: str
    tags: list[str]
    party_kind: str | None = None
    workplace: str = ""


@dataclass
class HouseholdSpec:
    number: str
    micro_code: str
    building: int | None
    unit: int | None
    room: str
    address: str
    residents: list[ResidentSpec]


@dataclass
class SettlementPeople:
    settlement: Settlement
    households: list[HouseholdSpec]


# ---------------------------------------------------------------------------------------------------- the area tree


def _short(name: str) -> str:
    return name.removesuffix("社区").removesuffix("街道")


def build_plan(size: str, seed: int = 0) -> Plan:
    """The area tree and where the homes are. Only compound names and block sizes are random."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    spec = SIZES[size]
    rng = random.Random(f"{seed}:plan")
    compound_names = _compound_names(rng)
    areas: list[AreaSpec] = [AreaSpec(DISTRICT_CODE, DISTRICT_NAME, "district", None, DISTRICT_BOX)]
    settlements: list[Settlement] = []
    streets = [
        ("001", "灵山卫街道", N.LINGSHANWEI_COMMUNITIES),
        ("002", "长江路街道", N.CHANGJIANGLU_COMMUNITIES[: spec.changjianglu]),
        ("003", "胶南街道", [c for c, _ in N.JIAONAN_COMMUNITIES]),
        ("004", "薛家岛街道", N.XUEJIADAO_COMMUNITIES[: spec.xuejiadao]),
    ]
    jiaonan_grids = dict(N.JIAONAN_COMMUNITIES)
    for (s_suffix, s_name, communities), s_box in zip(streets, split_box(DISTRICT_BOX, len(streets)), strict=True):
        s_code = DISTRICT_CODE + s_suffix
        areas.append(AreaSpec(s_code, s_name, "street", DISTRICT_CODE, s_box))
        for ci, (c_name, c_box) in enumerate(zip(communities, split_box(s_box, len(communities)), strict=True), 1):
            c_code = f"{s_code}{ci:03d}"
            areas.append(AreaSpec(c_code, c_name, "community", s_code, c_box))
            village = c_name in jiaonan_grids
            if village:
                grid_names = jiaonan_grids[c_name]
            else:
                grid_names = [f"{_short(c_name)}第{gi}网格" for gi in range(1, spec.grids + 1)]
                if c_code + "001" == RUICHENG_GRID:
                    grid_names[0] = "长江瑞城网格"
            for gi, (g_name, g_box) in enumerate(zip(grid_names, split_box(c_box, len(grid_names)), strict=True), 1):
                g_code = f"{c_code}{gi:03d}"
                areas.append(AreaSpec(g_code, g_name, "grid", c_code, g_box))
                if g_code == RUICHENG_GRID:
                    settlement = Settlement(RUICHENG, g_code, c_code, village=False)
                    n_micro = RUICHENG_BUILDINGS
                elif village:
                    settlement = Settlement(g_name.removesuffix("网格") + "村", g_code, c_code, village=True)
                    n_micro = spec.micro
                else:
                    settlement = Settlement(next(compound_names), g_code, c_code, village=False)
                    n_micro = spec.micro
                for mi, m_box in enumerate(split_box(g_box, n_micro), 1):
                    m_code = f"{g_code}{mi:02d}"
                    if village:
                        m_name = f"{settlement.name}第{mi}微网格"
                        settlement.blocks.append(Block(m_code, 0))
                    else:
                        m_name = f"{settlement.name.removesuffix('小区')}{mi}号楼微网格"
                        settlement.blocks.append(Block(m_code, 0, building=mi))
                    areas.append(AreaSpec(m_code, m_name, "microgrid", g_code, m_box))
                settlements.append(settlement)
    _size_blocks(settlements, spec, rng)
    return Plan(size=size, areas=areas, settlements=settlements)


def _compound_names(rng: random.Random) -> Iterator[str]:
    combos = [p + s for p, s in itertools.product(N.COMPOUND_PREFIXES, N.COMPOUND_SUFFIXES)]
    rng.shuffle(combos)
    for phase in ["", "二期", "三期", "四期", "五期"]:
        for name in combos:
            yield name + phase


def _size_blocks(settlements: list[Settlement], spec: Size, rng: random.Random) -> None:
    """Spread the households so the district holds about `spec.residents` people, 长江瑞城 exactly 1,190 homes."""
    others = [b for s in settlements if s.grid_code != RUICHENG_GRID for b in s.blocks]
    wanted = spec.residents / MEAN_HOUSEHOLD - RUICHENG_HOUSEHOLDS
    per_block = max(2.0, wanted / len(others))
    for s in settlements:
        if s.grid_code == RUICHENG_GRID:
            base, extra = divmod(RUICHENG_HOUSEHOLDS, len(s.blocks))
            for i, block in enumerate(s.blocks):
                block.households = base + (1 if i < extra else 0)
        else:
            for block in s.blocks:
                block.households = max(2, round(per_block * rng.uniform(0.7, 1.3)))
        for block in s.blocks:
            if block.building is not None:
                block.units = 1 if block.households <= 12 else 2 if block.households <= 48 else 3
                if block.households > 100:
                    block.units = 4


# ---------------------------------------------------------------------------------------------------- people


class _IdNumbers:
    """Unique, checksum-valid ID numbers: the sequence digits count up per birth date and gender."""

    def __init__(self) -> None:
        self._used: dict[tuple[int, str], int] = {}

    def make(self, birth: dt.date, gender: str) -> str:
        key = (birth.toordinal(), gender)
        k = self._used.get(key, 0)
        if k >= 500:
            raise RuntimeError("too many people share one birth date")
        self._used[key] = k + 1
        parity = 1 if gender == "M" else 0
        seq = (2 * ((birth.toordinal() * 7919) % 500) + parity + 2 * k) % 1000
        first17 = f"{DISTRICT_CODE}{birth:%Y%m%d}{seq:03d}"
        return first17 + id_check_digit(first17)


class PeopleGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"{seed}:people")
        self.ids = _IdNumbers()
        surnames, weights = zip(*N.SURNAMES, strict=True)
        self._surnames = surnames
        self._surname_cum = list(itertools.accumulate(weights))
        sizes, size_weights = zip(*_HOUSEHOLD_SIZES, strict=True)
        self._sizes = sizes
        self._size_cum = list(itertools.accumulate(size_weights))

    # -- small draws
    def _pick_cum(self, values: tuple[_T, ...], cum: list[int]) -> _T:
        return values[bisect.bisect_right(cum, self.rng.random() * cum[-1])]

    def surname(self) -> str:
        return str(self._pick_cum(self._surnames, self._surname_cum))

    def given(self, gender: str) -> str:
        chars = N.GIVEN_MALE if gender == "M" else N.GIVEN_FEMALE
        if self.rng.random() < 0.35:
            return self.rng.choice(chars)
        return self.rng.choice(chars) + self.rng.choice(chars)

    def birth(self, age: int) -> dt.date:
        year = REFERENCE_DATE.year - age
        day = self.rng.randrange(365)
        return dt.date(year, 1, 1) + dt.timedelta(days=day)

    def phone(self, age: int) -> str:
        if age < 14 or (age > 80 and self.rng.random() < 0.5):
            return ""
        return "1" + self.rng.choice("3456789") + f"{self.rng.randrange(10**9):09d}"

    def person(self, *, surname: str, gender: str, age: int, relation: str) -> ResidentSpec:
        age = max(0, min(age, 99))
        birth = self.birth(age)
        return ResidentSpec(
            name=surname + self.given(gender),
            gender=gender,
            birth_date=birth,
            id_number=self.ids.make(birth, gender),
            phone=self.phone(age),
            relation=relation,
            tags=[],
        )

    # -- a household
    def household_members(self) -> list[ResidentSpec]:
        rng = self.rng
        size = self._pick_cum(self._sizes, self._size_cum)
        if size == 1:
            head_age = rng.choice([rng.randint(22, 45), rng.randint(60, 92), rng.randint(60, 92)])
        elif size == 2:
            head_age = rng.choice([rng.randint(24, 40), rng.randint(55, 88)])
        else:
            head_age = rng.randint(28, 58)
        head_gender = "M" if rng.random() < 0.7 else "F"
        family = self.surname()
        members = [self.person(surname=family, gender=head_gender, age=head_age, relation="户主")]
        remaining = size - 1
        if remaining and rng.random() < 0.9:
            spouse_gender = "F" if head_gender == "M" else "M"
            members.append(
                self.person(
                    surname=self.surname(), gender=spouse_gender, age=head_age + rng.randint(-4, 4), relation="配偶"
                )
            )
            remaining -= 1
        children = min(remaining, 3 if head_age < 60 else 1)
        for _ in range(children):
            gender = rng.choice("MF")
            child_age = head_age - rng.randint(22, 34)
            if child_age < 0:
                child_age = rng.randint(0, 5)
            members.append(self.person(surname=family, gender=gender, age=child_age, relation="子女"))
        for _ in range(remaining - children):
            members.append(
                self.person(
                    surname=self.surname() if rng.random() < 0.5 else family,
                    gender=rng.choice("MF"),
                    age=head_age + rng.randint(24, 32),
                    relation="父母",
                )
            )
        self._tag(members)
        return members

    def _tag(self, members: list[ResidentSpec]) -> None:
        rng = self.rng
        ages = [age_on(m.birth_date) for m in members]
        if len(members) == 1 and ages[0] >= 60:
            members[0].tags += ["独居", "空巢"]
        elif all(a >= 60 for a in ages):
            for m in members:
                m.tags.append("空巢")
        household_flags = []
        if rng.random() < 0.025:
            household_flags.append("低保")
        if rng.random() < 0.08:
            household_flags.append("流动人口")
        for m, age in zip(members, ages, strict=True):
            m.tags += household_flags
            if age < 18 and rng.random() < 0.01:
                m.tags.append("困境儿童")
            if rng.random() < 0.015:
                m.tags.append("残疾")
            if m.gender == "M" and 30 <= age <= 80 and rng.random() < 0.05:
                m.tags.append("退役军人")
                if rng.random() < 0.3:
                    m.tags.append("优抚对象")

    # -- a settlement
    def settlement(self, s: Settlement) -> SettlementPeople:
        households: list[HouseholdSpec] = []
        for block in s.blocks:
            for seq, (unit, room) in enumerate(_rooms(block), 1):
                if s.village:
                    address = f"{s.name}{room}号"
                else:
                    address = f"{s.name.removesuffix('小区')}{block.building}号楼{unit}单元{room}"
                households.append(
                    HouseholdSpec(
                        number=f"{block.micro_code}-{seq:04d}",
                        micro_code=block.micro_code,
                        building=block.building,
                        unit=unit,
                        room=room,
                        address=address,
                        residents=self.household_members(),
                    )
                )
        self._party(s, households)
        return SettlementPeople(s, households)

    def _party(self, s: Settlement, households: list[HouseholdSpec]) -> None:
        rng = self.rng
        adults = [r for h in households for r in h.residents if 18 <= age_on(r.birth_date) <= 85]
        if s.grid_code == RUICHENG_GRID:
            chosen = rng.sample(adults, min(len(adults), sum(RUICHENG_PARTY.values())))
            kinds = [k for k, n in RUICHENG_PARTY.items() for _ in range(n)]
        else:
            chosen = [r for r in adults if rng.random() < 0.04]
            kinds = [rng.choices(["self_managed", "in_service", "floating"], [40, 55, 5])[0] for _ in chosen]
        for resident, kind in zip(chosen, kinds, strict=False):
            resident.party_kind = kind
            resident.tags.append("党员")
            if kind == "in_service":
                resident.workplace = rng.choice(N.WORKPLACES)
            if kind == "floating" and "流动人口" not in resident.tags:
                resident.tags.append("流动人口")


def age_on(birth: dt.date, day: dt.date = REFERENCE_DATE) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _rooms(block: Block) -> Iterator[tuple[int | None, str]]:
    if block.building is None:
        for n in range(1, block.households + 1):
            yield None, str(n)
        return
    per_floor = 2
    floors = math.ceil(block.households / (block.units * per_floor))
    left = block.households
    for unit in range(1, block.units + 1):
        for floor in range(1, floors + 1):
            for door in range(1, per_floor + 1):
                if left == 0:
                    return
                left -= 1
                yield unit, f"{floor}{door:02d}"


def iter_settlements(plan: Plan, seed: int) -> Iterator[SettlementPeople]:
    people = PeopleGenerator(seed)
    for s in plan.settlements:
        yield people.settlement(s)
