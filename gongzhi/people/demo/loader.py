"""Writing the demo district into the database, fast enough for a million residents.

This is a bulk loader, not a user action: the rows come from the generator, which only produces valid data, so
it writes them with multi-row inserts and explicit primary keys inside one transaction instead of calling the
per-record actions (which validate, lock and audit one row at a time). One audit row records the whole seed. The
demo accounts themselves are made through the account actions. ID numbers and phones are stored exactly as
`PersonalDataMixin.set_*` would store them (Fernet token + keyed hash), so `pii.decrypt`/`pii.lookup_hash` work.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from tqdm import tqdm

from gongzhi.accounts import otp, rules
from gongzhi.accounts.actions import membership_grant, user_create
from gongzhi.accounts.models import Membership, Role, User
from gongzhi.accounts.otp_actions import otp_enrol_known_secret
from gongzhi.areas.geometry import bump_boundary_version
from gongzhi.areas.models import Area
from gongzhi.core import clock, pii
from gongzhi.core.audit import audit_record
from gongzhi.core.chinese import name_keys
from gongzhi.people.demo import generator as G
from gongzhi.people.demo import names as N
from gongzhi.people.demo.fastpii import encrypt_many
from gongzhi.people.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from gongzhi.people.models import (
    AssignmentKind,
    Building,
    Compound,
    Department,
    GridAssignment,
    Household,
    Partner,
    PartyMember,
    PartyOrganization,
    PartyOrgKind,
    Resident,
    ResponsibilityZone,
    ServicePost,
    Tag,
    Unit,
)

BATCH = 5000
ASSIGNMENT_START = dt.date(2024, 3, 1)


class NotEmpty(Exception):
    """The database already holds areas; seeding would mix demo data into real data."""


@dataclass
class SeedReport:
    size: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _concrete(field: models.Field[Any, Any] | models.ForeignObjectRel) -> models.Field[Any, Any]:
    if not isinstance(field, models.Field):
        raise TypeError(f"{field} is a reverse relation, not a column")
    return field


def _column(field: models.Field[Any, Any]) -> str:
    if field.column is None:
        raise TypeError(f"{field} has no column")
    return field.column


def _db_prep(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


class _Table:
    """Buffered multi-row inserts with explicit primary keys for one model."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], report: SeedReport) -> None:
        self.model = model
        meta = model._meta
        self.fields = [_concrete(meta.get_field(c)) for c in columns]
        self.converters: list[Callable[[Any], Any] | None] = []
        for f in self.fields:
            if isinstance(f, models.DateTimeField | models.DateField | models.JSONField):
                self.converters.append(_db_prep(f))
            else:
                self.converters.append(None)
        cols = ", ".join(connection.ops.quote_name(_column(f)) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        # Table and column names come from the model, never from input.
        self.sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({cols}) VALUES ({marks})"  # noqa: S608
        self.rows: list[tuple[Any, ...]] = []
        self.has_pk = meta.pk.name in columns or meta.pk.attname in columns
        self.next_id = (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1 if self.has_pk else 0
        self.report = report
        self.label = meta.label

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, *values: Any) -> None:
        self.rows.append(values)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows = self.rows
        if any(self.converters):
            rows = [tuple(v if c is None else c(v) for v, c in zip(row, self.converters, strict=True)) for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)
        self.report.counts[self.label] = self.report.counts.get(self.label, 0) + len(rows)
        self.rows = []


class _NameKeys(dict[str, tuple[str, str]]):
    """pypinyin is the slow part of a name; names repeat a lot, so remember them."""

    def __missing__(self, name: str) -> tuple[str, str]:
        value = self[name] = name_keys(name)
        return value


def database_has_areas() -> bool:
    return Area.objects.exists()


def seed_demo(*, size: str, seed: int = 0, progress: bool = True) -> SeedReport:
    """Write the demo district of `size` into an empty database; raises NotEmpty otherwise."""
    if database_has_areas():
        raise NotEmpty
    taken = sorted(
        User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).values_list("username", flat=True)
    )
    if taken:
        raise NotEmpty(", ".join(taken))
    started = time.perf_counter()
    report = SeedReport(size=size, seed=seed)
    plan = G.build_plan(size, seed)
    with transaction.atomic():
        _Loader(plan, seed, report, progress).run()
    bump_boundary_version()
    report.seconds = time.perf_counter() - started
    return report


class _Loader:
    def __init__(self, plan: G.Plan, seed: int, report: SeedReport, progress: bool) -> None:
        self.plan = plan
        self.seed = seed
        self.report = report
        self.progress = progress
        self.rng = random.Random(f"{seed}:org")
        self.now = clock.now()
        self.keys = _NameKeys()
        self.area_ids: dict[str, int] = {}
        self.area_names: dict[str, str] = {}
        self.tag_ids: dict[str, int] = {}
        self.user_ids: dict[str, int] = {}
        self.ruicheng: dict[str, Any] = {"party": [], "buildings": {}}
        self.unusable = make_password(None)

    def table(self, model: type[models.Model], *columns: str) -> _Table:
        return _Table(model, columns, self.report)

    def run(self) -> None:
        self._areas()
        self._tags()
        self._organisations()
        self._people()
        self._staff()
        _reset_sequences()  # before any row takes its key from a sequence again
        self._demo_users()
        audit_record(
            actor=None,
            action="demo.seed",
            target_type="areas.area",
            target_id=G.DISTRICT_CODE,
            area_code=G.DISTRICT_CODE,
            data={"size": self.plan.size, "seed": self.seed, "counts": self.report.counts},
        )

    # ------------------------------------------------------------------------------------------------ areas

    def _areas(self) -> None:
        t = self.table(Area, "id", "code", "name", "level", "parent_id", "boundary", "point_lat", "point_lng",
                       "created_at")  # fmt: skip
        from gongzhi.areas.tiling import box_polygon

        for a in self.plan.areas:
            pk = t.new_id()
            self.area_ids[a.code] = pk
            self.area_names[a.code] = a.name
            x0, y0, x1, y1 = a.box
            lat, lng = round((y0 + y1) / 2, 7), round((x0 + x1) / 2, 7)
            t.add(
                pk, a.code, a.name, a.level, self.area_ids.get(a.parent or ""), box_polygon(a.box), lat, lng, self.now
            )
        t.flush()

    def _tags(self) -> None:
        existing = dict(Tag.objects.values_list("name", "id"))
        t = self.table(Tag, "id", "code", "name")
        for code, name in G.TAGS:
            if name in existing:
                self.tag_ids[name] = existing[name]
            elif not Tag.objects.filter(code=code).exists():
                self.tag_ids[name] = t.new_id()
                t.add(self.tag_ids[name], code, name)
        t.flush()

    # ------------------------------------------------------------------------------------------------ partners

    def _organisations(self) -> None:
        rng = self.rng
        streets = [a for a in self.plan.areas if a.level == "street"]
        dept = self.table(Department, "id", "code", "name", "kind", "contact_name", "phone_encrypted", "phone_hash",
                          "id_number_encrypted", "id_number_hash")  # fmt: skip
        dept_areas = self.table(Department.areas.through, "department_id", "area_id")
        self.departments: dict[str, int] = {}
        rows = []
        for s in streets:
            for suffix, pattern, kind in N.STREET_DEPARTMENTS:
                code = f"{s.code[6:]}-{suffix}"
                rows.append((code, pattern.format(street=s.name, short=s.name.removesuffix("街道")), kind, s.code))
        for suffix, name, kind in N.DISTRICT_DEPARTMENTS:
            rows.append((suffix, name, kind, G.DISTRICT_CODE))
        phones = [_landline(rng) for _row in rows]
        for (code, name, kind, area_code), phone, enc in zip(rows, phones, encrypt_many(phones), strict=True):
            pk = dept.new_id()
            self.departments[code] = pk
            dept.add(pk, code, name, kind, self._person_name(), enc, pii.lookup_hash(phone), "", "")
            dept_areas.add(pk, self.area_ids[area_code])
        dept.flush()
        dept_areas.flush()

        partner = self.table(Partner, "id", "name", "kind", "contact_name", "in_alliance", "phone_encrypted",
                             "phone_hash", "id_number_encrypted", "id_number_hash")  # fmt: skip
        partner_areas = self.table(Partner.areas.through, "partner_id", "area_id")
        self.partners: dict[str, int] = {}
        self.property_companies: list[int] = []
        entries: list[tuple[str, str, str, bool]] = []
        lingshanwei = "370211001"
        for i, (name, kind) in enumerate(N.PARTNERS):
            entries.append((name, kind, lingshanwei if i < 16 else "370211002", i < 16))
        # 45 partners in 灵山卫's "卫有我" alliance (seed 000): the named ones plus local enterprises.
        alliance = sum(1 for e in entries if e[3])
        words = iter(_enterprise_names(N.ENTERPRISE_WORDS))
        while alliance < 45:
            entries.append((f"青岛{next(words)}有限公司", "enterprise", lingshanwei, True))
            alliance += 1
        for s in streets:
            for word in N.PROPERTY_WORDS[:6]:
                entries.append(
                    (f"{word}物业服务有限公司{s.name.removesuffix('街道')}项目部", "property", s.code, False)
                )
        communities = [a for a in self.plan.areas if a.level == "community"]
        for c in communities:
            entries.append((f"{c.name.removesuffix('社区')}社区卫生室", "hospital", c.code, False))
        for name, kind, area_code, in_alliance in entries:
            phone = _landline(rng)
            pk = partner.new_id()
            self.partners[name] = pk
            if kind == "property":
                self.property_companies.append(pk)
            partner.add(pk, name, kind, self._person_name(), in_alliance, pii.encrypt(phone), pii.lookup_hash(phone),
                        "", "")  # fmt: skip
            partner_areas.add(pk, self.area_ids[area_code])
        partner.flush()
        partner_areas.flush()

    def _person_name(self) -> str:
        gen = self._namer
        return gen.surname() + gen.given(self.rng.choice("MF"))

    @property
    def _namer(self) -> G.PeopleGenerator:
        if not hasattr(self, "_namer_gen"):
            self._namer_gen = G.PeopleGenerator(self.seed + 7919)
        return self._namer_gen

    # ------------------------------------------------------------------------------------------------ people

    def _people(self) -> None:
        compound = self.table(Compound, "id", "name", "area_id", "area_code", "address", "property_company_id")
        building = self.table(Building, "id", "compound_id", "number", "area_id")
        unit = self.table(Unit, "id", "building_id", "number")
        household = self.table(Household, "id", "number", "area_id", "area_code", "unit_id", "room", "address",
                               "created_at", "updated_at")  # fmt: skip
        resident = self.table(Resident, "id", "household_id", "area_id", "area_code", "name", "name_pinyin",
                              "name_initials", "gender", "birth_date", "relation", "id_number_encrypted",
                              "id_number_hash", "phone_encrypted", "phone_hash", "created_at", "updated_at")  # fmt: skip
        resident_tag = self.table(Resident.tags.through, "resident_id", "tag_id")
        org = self.table(PartyOrganization, "id", "name", "kind", "parent_id", "area_id", "area_code", "compound_id",
                         "building_id")  # fmt: skip
        member = self.table(PartyMember, "id", "resident_id", "name", "name_pinyin", "name_initials", "kind",
                            "organization_id", "area_id", "area_code", "workplace", "joined_on", "shows_identity",
                            "id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash", "created_at",
                            "updated_at")  # fmt: skip
        zone = self.table(ResponsibilityZone, "id", "party_member_id", "area_id", "description")
        post = self.table(ServicePost, "id", "party_member_id", "name", "area_id", "schedule")
        self.compound_ids: dict[str, int] = {}
        committees: dict[str, int] = {}
        rng = self.rng
        bar = tqdm(
            total=self.plan.household_count,
            desc=f"seed_demo {self.plan.size}",
            unit="户",
            file=sys.stderr,
            disable=not self.progress,
            mininterval=1.0,
        )
        for sp in G.iter_settlements(self.plan, self.seed):
            s = sp.settlement
            grid_id = self.area_ids[s.grid_code]
            community_id = self.area_ids[s.community_code]
            if s.community_code not in committees:
                committees[s.community_code] = org_id = org.new_id()
                org.add(org_id, f"{self.area_names[s.community_code]}党委", PartyOrgKind.COMMITTEE, None, community_id,
                        s.community_code, None, None)  # fmt: skip
            compound_id = None
            if not s.village:
                compound_id = compound.new_id()
                self.compound_ids[s.grid_code] = compound_id
                compound.add(compound_id, s.name, grid_id, s.grid_code, f"{self.area_names[s.community_code]}{s.name}",
                             rng.choice(self.property_companies))  # fmt: skip
            branch_id = org.new_id()
            branch_name = f"{s.name}党支部" if not s.village else f"{s.name.removesuffix('村')}网格党支部"
            org.add(branch_id, branch_name, PartyOrgKind.BRANCH, committees[s.community_code], grid_id, s.grid_code,
                    compound_id, None)  # fmt: skip
            building_ids: dict[int, int] = {}
            unit_ids: dict[tuple[int, int], int] = {}
            group_ids: dict[str, int] = {}
            for block in s.blocks:
                micro_id = self.area_ids[block.micro_code]
                bid = None
                if block.building is not None:
                    bid = building_ids[block.building] = building.new_id()
                    building.add(bid, compound_id, str(block.building), micro_id)
                    for u in range(1, block.units + 1):
                        unit_ids[(block.building, u)] = uid = unit.new_id()
                        unit.add(uid, bid, str(u))
                    label = f"{s.name.removesuffix('小区')}{block.building}号楼"
                else:
                    label = self.area_names[block.micro_code].removesuffix("微网格")
                group_ids[block.micro_code] = gid = org.new_id()
                org.add(gid, f"{label}党小组", PartyOrgKind.GROUP, branch_id, micro_id, block.micro_code, compound_id,
                        bid)  # fmt: skip
            central_done: set[str] = set()
            members_here: list[tuple[int, str, int]] = []  # (member id, micro code, building)

            residents = [r for h in sp.households for r in h.residents]
            id_tokens = encrypt_many([r.id_number for r in residents])
            phone_tokens = encrypt_many([r.phone for r in residents])
            tokens = iter(zip(id_tokens, phone_tokens, strict=True))
            for h in sp.households:
                micro_id = self.area_ids[h.micro_code]
                hid = household.new_id()
                unit_id = unit_ids.get((h.building, h.unit)) if h.building is not None and h.unit is not None else None
                household.add(hid, h.number, micro_id, h.micro_code, unit_id, h.room, h.address, self.now, self.now)
                for r in h.residents:
                    rid = resident.new_id()
                    pinyin, initials = self.keys[r.name]
                    id_enc, phone_enc = next(tokens)
                    id_hash = pii.lookup_hash(r.id_number)
                    phone_hash = pii.lookup_hash(r.phone)
                    resident.add(rid, hid, micro_id, h.micro_code, r.name, pinyin, initials, r.gender, r.birth_date,
                                 r.relation, id_enc, id_hash, phone_enc, phone_hash, self.now, self.now)  # fmt: skip
                    for tag in r.tags:
                        resident_tag.add(rid, self.tag_ids[tag])
                    if s.grid_code == G.RUICHENG_GRID and h.number.endswith("-0001") and h.micro_code.endswith("01"):
                        self.ruicheng.setdefault("resident", (rid, r.name))
                    if r.party_kind is None:
                        continue
                    org_id = group_ids[h.micro_code]
                    if h.micro_code not in central_done:
                        # The first party household of a building is its 党员中心户 ("党员带四邻").
                        central_done.add(h.micro_code)
                        org_id = org.new_id()
                        org.add(org_id, f"{h.address}党员中心户", PartyOrgKind.CENTRAL_HOUSEHOLD, group_ids[h.micro_code],
                                micro_id, h.micro_code, compound_id, building_ids.get(h.building or -1))  # fmt: skip
                    mid = member.new_id()
                    joined = r.birth_date.replace(year=r.birth_date.year + rng.randint(20, 35), day=1)
                    member.add(mid, rid, r.name, pinyin, initials, r.party_kind, org_id, community_id,
                               s.community_code, r.workplace, min(joined, G.REFERENCE_DATE), rng.random() < 0.85,
                               id_enc, id_hash, phone_enc, phone_hash, self.now, self.now)  # fmt: skip
                    members_here.append((mid, h.micro_code, h.building or 0))
                    if s.grid_code == G.RUICHENG_GRID:
                        self.ruicheng["party"].append((mid, r.party_kind, r.name))
                bar.update(1)
            self._zones_and_posts(s, members_here, zone, post)
        bar.close()
        for t in (compound, building, unit, household, resident, resident_tag, org, member, zone, post):
            t.flush()

    def _zones_and_posts(
        self, s: G.Settlement, members: list[tuple[int, str, int]], zone: _Table, post: _Table
    ) -> None:
        if not members:
            return
        rng = self.rng
        by_block: dict[str, int] = {}
        for mid, micro, _b in members:
            by_block.setdefault(micro, mid)
        if s.grid_code == G.RUICHENG_GRID:
            # One zone per building (15) and eight posts, as in seed 004.
            blocks = [b.micro_code for b in s.blocks][: G.RUICHENG_ZONES]
            n_posts = G.RUICHENG_POSTS
        else:
            blocks = [m for m in by_block if rng.random() < 0.3]
            n_posts = rng.randint(0, 3)
        mids = [m for m, _micro, _b in members]
        for micro in blocks:
            mid = by_block.get(micro) or rng.choice(mids)
            zone.add(
                zone.new_id(),
                mid,
                self.area_ids[micro],
                f"{self.area_names[micro].removesuffix('微网格')}及周边公共区域",
            )
        for name in rng.sample(N.SERVICE_POSTS, min(n_posts, len(N.SERVICE_POSTS))):
            post.add(post.new_id(), rng.choice(mids), name, self.area_ids[s.grid_code], "每周六 9:00-11:00")

    # ------------------------------------------------------------------------------------------------ staff

    def _staff(self) -> None:
        """A full-time owner for every grid, a worker for every micro-grid, the 2+7+N of 长江瑞城, 7 riders."""
        users = self.table(User, "id", "username", "password", "display_name", "first_name", "last_name", "email",
                           "is_superuser", "is_staff", "is_active", "date_joined", "phone_encrypted",
                           "phone_hash")  # fmt: skip
        ships = self.table(Membership, "id", "user_id", "role", "area_id", "created_at")
        assign = self.table(GridAssignment, "id", "user_id", "area_id", "area_code", "kind", "compound_id", "is_owner",
                            "on_duty", "occupation", "started_on")  # fmt: skip
        demo_slots = {
            ("full_time", G.RUICHENG_GRID),
            ("microgrid", next(d.area_code for d in DEMO_LOGINS if d.role == Role.MICROGRID_WORKER)),
        }

        def person(username: str, role: str | None, area_code: str, kind: str, **extra: Any) -> int:
            uid = users.new_id()
            name = self._person_name()
            users.add(uid, username, self.unusable, name, "", "", "", False, False, True, self.now, "", "")
            if role:
                ships.add(ships.new_id(), uid, role, self.area_ids[area_code], self.now)
            assign.add(assign.new_id(), uid, self.area_ids[area_code], area_code, kind, extra.get("compound"),
                       extra.get("owner", False), extra.get("on_duty", False), extra.get("occupation", ""),
                       ASSIGNMENT_START)  # fmt: skip
            return uid

        for a in self.plan.areas:
            if a.level == "grid" and ("full_time", a.code) not in demo_slots:
                person(f"gw{a.code}", Role.GRID_WORKER, a.code, AssignmentKind.FULL_TIME, owner=True,
                       compound=self.compound_ids.get(a.code))  # fmt: skip
            elif a.level == "microgrid" and ("microgrid", a.code) not in demo_slots:
                person(f"mg{a.code}", Role.MICROGRID_WORKER, a.code, AssignmentKind.MICROGRID, on_duty=True)
        # 长江瑞城 "2+7+N": the second full-time worker (the first is the demo `grid` login), 7 welfare posts,
        # a head per building, the community police officer and volunteers; party members are linked below.
        rc = self.compound_ids[G.RUICHENG_GRID]
        g = G.RUICHENG_GRID
        person("rc-fulltime-2", Role.GRID_WORKER, g, AssignmentKind.FULL_TIME, compound=rc)
        for i in range(1, 8):
            person(f"rc-welfare-{i}", None, g, AssignmentKind.WELFARE_POST, compound=rc, occupation="公益性岗位")
        for i in range(1, G.RUICHENG_BUILDINGS + 1):
            person(f"rc-head-{i}", None, f"{g}{i:02d}", AssignmentKind.BUILDING_HEAD, compound=rc, occupation="楼栋长")
        person("rc-police-1", None, g, AssignmentKind.POLICE, compound=rc, occupation="社区民警")
        for i in range(1, 10):
            person(f"rc-volunteer-{i}", Role.VOLUNTEER, g, AssignmentKind.VOLUNTEER, compound=rc)
        demo_party = self._demo_party()
        others = [m for m in self.ruicheng["party"] if m != demo_party]
        for i, (mid, _kind, _name) in enumerate(others[:5], 1):
            uid = person(f"rc-party-{i}", Role.PARTY_MEMBER, g, AssignmentKind.PARTY_MEMBER, compound=rc)
            self.ruicheng.setdefault("member_users", []).append((mid, uid))
        # 华顶山路社区: seven delivery riders as part-time grid workers (seed 001).
        rider_grids = [a.code for a in self.plan.areas if a.level == "grid" and a.parent == G.RIDER_COMMUNITY]
        for i in range(G.RIDER_COUNT):
            person(f"rider-{i + 1}", Role.GRID_WORKER, rider_grids[i % len(rider_grids)], AssignmentKind.PART_TIME,
                   occupation="外卖骑手")  # fmt: skip
        for t in (users, ships, assign):
            t.flush()
        first_rider = User.objects.get(username="rider-1")
        first_rider.display_name = N.RIDER_NAMES[0]
        first_rider.save(update_fields=["display_name"])
        for mid, uid in self.ruicheng.get("member_users", []):
            PartyMember.objects.filter(pk=mid).update(user_id=uid)

    # ------------------------------------------------------------------------------------------------ demo logins

    def _demo_party(self) -> tuple[int, str, str] | None:
        return next((m for m in self.ruicheng["party"] if m[1] == "self_managed"), None)

    def _demo_users(self) -> None:
        from gongzhi.people.org_actions import grid_assignment_add

        password = make_password(DEMO_PASSWORD)
        made: dict[str, User] = {}
        party = self._demo_party()
        resident_id, resident_name = self.ruicheng["resident"]
        for login in DEMO_LOGINS:
            display = {"party": party[2] if party else "", "resident": resident_name}.get(login.username)
            user = user_create(actor=None, username=login.username, password=None,
                               display_name=display or self._person_name(), is_staff=login.role == Role.ADMIN)  # fmt: skip
            user.password = password
            user.is_superuser = login.role == Role.ADMIN
            if login.role == Role.RESIDENT:
                user.resident_id = resident_id
            user.save(update_fields=["password", "is_superuser", "resident"])
            made[login.username] = user
        admin = made["admin"]
        areas = {a.code: a for a in Area.objects.filter(code__in=[d.area_code for d in DEMO_LOGINS])}
        for login in DEMO_LOGINS:
            extra: dict[str, Any] = {}
            if login.role == Role.DEPARTMENT:
                extra["department"] = Department.objects.get(code=f"{login.area_code[6:]}-chengguan")
            if login.role == Role.PARTNER:
                extra["partner"] = Partner.objects.get(name=N.PARTNERS[0][0])
            membership_grant(actor=admin, user=made[login.username], role=login.role, area=areas[login.area_code],
                             **extra)  # fmt: skip
        if not settings.PRODUCTION:  # two-factor sign-in with the published demo secret (README "Demo logins")
            for user in made.values():
                rules.forget_memberships(user)
                if otp.required(user):
                    otp_enrol_known_secret(actor=admin, user=user, secret=DEMO_TOTP_SECRET)
        ruicheng = Compound.objects.get(pk=self.compound_ids[G.RUICHENG_GRID])
        grid_area = areas[G.RUICHENG_GRID]
        grid_assignment_add(actor=admin, user=made["grid"], area=grid_area, kind=AssignmentKind.FULL_TIME,
                            compound=ruicheng, is_owner=True, on_duty=True)  # fmt: skip
        micro = next(d.area_code for d in DEMO_LOGINS if d.role == Role.MICROGRID_WORKER)
        grid_assignment_add(actor=admin, user=made["microgrid"], area=areas[micro], kind=AssignmentKind.MICROGRID,
                            on_duty=True)  # fmt: skip
        grid_assignment_add(actor=admin, user=made["volunteer"], area=grid_area, kind=AssignmentKind.VOLUNTEER,
                            compound=ruicheng)  # fmt: skip
        if party:
            PartyMember.objects.filter(pk=party[0]).update(user=made["party"])


def _enterprise_names(words: Iterable[str]) -> Iterable[str]:
    words = list(words)
    for a in words:
        for b in ["", "科技", "实业", "发展"]:
            yield f"西海岸{a}{b}"


def _landline(rng: random.Random) -> str:
    return f"0532-8{rng.randrange(10**6):06d}8"[:13]


def _reset_sequences() -> None:
    """Explicit primary keys leave PostgreSQL sequences behind; SQLite keeps up on its own."""
    models_: list[type[models.Model]] = [Area, Tag, Department, Partner, Compound, Building, Unit, Household, Resident, PartyOrganization,
               PartyMember, ResponsibilityZone, ServicePost, User, Membership, GridAssignment,
               Resident.tags.through, Department.areas.through, Partner.areas.through]  # fmt: skip
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
