"""The demo district: the places of the seed reports exist, boundaries tile, people are valid and reproducible."""

import io
import itertools
import random

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client

from gongzhi.accounts.models import Membership, Role, User
from gongzhi.areas.geometry import AreaResolver, geometry_from_geojson
from gongzhi.areas.models import Area
from gongzhi.core import pii
from gongzhi.people.demo import generator
from gongzhi.people.demo.fastpii import encrypt_many
from gongzhi.people.demo.loader import NotEmpty, seed_demo
from gongzhi.people.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gongzhi.people.models import (
    AssignmentKind,
    Building,
    Compound,
    GridAssignment,
    Household,
    PartyMember,
    PartyOrganization,
    PartyOrgKind,
    Resident,
    ResponsibilityZone,
    ServicePost,
    Tag,
)
from gongzhi.people.org_actions import compound_deployment


@pytest.fixture
def seeded(db):
    return seed_demo(size="S", seed=0, progress=False)


def area(name: str) -> Area:
    return Area.objects.get(name=name)


def test_lingshanwei_has_twenty_communities_including_the_five_of_the_reports(seeded):
    street = area("灵山卫街道")
    assert street.level == "street"
    assert street.parent.code == "370211"
    communities = Area.objects.filter(parent=street)
    assert communities.count() == 20
    assert set(communities.values_list("level", flat=True)) == {"community"}
    names = set(communities.values_list("name", flat=True))
    assert {"镇海门社区", "两河路社区", "华山社区", "朝阳门社区", "星光岛社区"} <= names


def test_changjiang_ruicheng_has_fifteen_buildings_and_1190_households(seeded):
    community = area("富春江路社区")
    assert community.level == "community" and community.parent.name == "长江路街道"
    compound = Compound.objects.get(name="长江瑞城小区")
    assert compound.area_code.startswith(community.code)
    buildings = Building.objects.filter(compound=compound)
    assert buildings.count() == 15
    assert set(Area.objects.filter(pk__in=buildings.values("area")).values_list("level", flat=True)) == {"microgrid"}
    households = Household.objects.filter(unit__building__compound=compound)
    assert households.count() == 1190
    # Every household sits in exactly the micro-grid of its building.
    assert not households.exclude(area=F("unit__building__area")).exists()
    residents = Resident.objects.filter(household__in=households).count()
    assert 3000 <= residents <= 3500  # "1190户、3000余人"


def test_jiaonan_has_sixteen_grids_including_xiaodeng_and_lijiawazi(seeded):
    street = area("胶南街道")
    grids = Area.objects.filter(level="grid", code__startswith=street.code)
    assert grids.count() == 16
    assert {"小邓网格", "李家洼子网格"} <= set(grids.values_list("name", flat=True))


def test_huadingshanlu_has_seven_delivery_riders_as_part_time_grid_workers(seeded):
    community = area("华顶山路社区")
    assert community.parent.name == "薛家岛街道"
    riders = GridAssignment.objects.filter(
        area_code__startswith=community.code, kind=AssignmentKind.PART_TIME, occupation="外卖骑手"
    )
    assert riders.count() == 7
    assert set(Area.objects.filter(pk__in=riders.values("area")).values_list("level", flat=True)) == {"grid"}


def test_every_grid_has_exactly_one_owner_and_every_microgrid_a_worker(seeded):
    grids = Area.objects.filter(level="grid")
    owners = GridAssignment.objects.filter(is_owner=True, area__level="grid").values("area").annotate(n=Count("id"))
    assert {o["n"] for o in owners} == {1}
    assert len(owners) == grids.count()
    staffed = set(GridAssignment.objects.filter(kind=AssignmentKind.MICROGRID).values_list("area_code", flat=True))
    assert staffed == set(Area.objects.filter(level="microgrid").values_list("code", flat=True))


def test_ruicheng_deploys_2_7_n_and_its_party_branch_matches_the_report(seeded):
    compound = Compound.objects.get(name="长江瑞城小区")
    deployment = compound_deployment(compound=compound)
    assert deployment["full_time"] == 2
    assert deployment["welfare_post"] == 7
    kinds = set(GridAssignment.objects.filter(compound=compound).values_list("kind", flat=True))
    assert {"building_head", "police", "party_member", "volunteer"} <= kinds
    members = PartyMember.objects.filter(resident__household__unit__building__compound=compound)
    assert dict(members.values_list("kind").annotate(n=Count("id"))) == {
        "self_managed": 20,
        "in_service": 88,
        "floating": 1,
    }
    grid_codes = [compound.area_code]
    assert ResponsibilityZone.objects.filter(area__code__startswith=grid_codes[0]).count() == 15
    assert ServicePost.objects.filter(area__code=grid_codes[0]).count() == 8


def test_party_organisation_tree_goes_committee_branch_group_central_household(seeded):
    community = area("富春江路社区")
    committee = PartyOrganization.objects.get(area=community, kind=PartyOrgKind.COMMITTEE)
    branch = PartyOrganization.objects.get(parent=committee, name="长江瑞城小区党支部")
    assert branch.kind == PartyOrgKind.BRANCH
    groups = PartyOrganization.objects.filter(parent=branch)
    assert groups.count() == 15
    assert set(groups.values_list("kind", flat=True)) == {PartyOrgKind.GROUP}
    central = PartyOrganization.objects.filter(parent__in=groups)
    assert central.exists()
    assert set(central.values_list("kind", flat=True)) == {PartyOrgKind.CENTRAL_HOUSEHOLD}
    # Every party member is also tagged 党员 on the resident record.
    party_tag = Tag.objects.get(name="党员")
    assert not PartyMember.objects.exclude(resident__tags=party_tag).exists()


def test_boundaries_tile_their_parents_without_overlaps(seeded):
    rng = random.Random(1)
    parents = list(Area.objects.exclude(level="microgrid"))
    sample = [p for p in parents if p.level in ("district", "street")] + rng.sample(parents, 20)
    for parent in sample:
        outline = geometry_from_geojson(parent.boundary)
        children = [geometry_from_geojson(c.boundary) for c in Area.objects.filter(parent=parent)]
        assert children, parent
        assert sum(c.area for c in children) == pytest.approx(outline.area, rel=1e-6), parent
        assert shapely.union_all(children).symmetric_difference(outline).area < 1e-9 * outline.area, parent
        for a, b in itertools.combinations(children, 2):
            assert a.intersection(b).area < 1e-12, parent
    for a in Area.objects.all():
        assert geometry_from_geojson(a.boundary).contains(shapely.Point(a.point_lng, a.point_lat)), a


def test_a_point_resolves_to_its_microgrid(seeded):
    resolver = AreaResolver.from_database()
    for micro in Area.objects.filter(level="microgrid")[:50]:
        assert resolver.resolve(micro.point_lat, micro.point_lng) == micro.code


def test_every_resident_has_a_valid_id_number_phone_gender_and_birth_date(seeded):
    rows = Resident.objects.values_list(
        "id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash", "gender", "birth_date"
    )
    assert len(rows) > 3000
    for id_enc, id_hash, phone_enc, phone_hash, gender, birth in rows:
        number = pii.decrypt(id_enc)
        assert pii.normalize_id_number(number) == number
        assert number.startswith("370211")
        assert pii.gender_from_id(number) == gender
        assert pii.birth_date_from_id(number) == birth
        assert pii.lookup_hash(number) == id_hash
        phone = pii.decrypt(phone_enc)
        if phone:
            assert pii.normalize_phone(phone) == phone and phone[1] in "3456789"
            assert pii.lookup_hash(phone) == phone_hash


def test_relations_and_tags_are_plausible(seeded):
    relations = set(Resident.objects.values_list("relation", flat=True))
    assert relations <= {"户主", "配偶", "子女", "父母"}
    assert Household.objects.count() == Resident.objects.filter(relation="户主").count()
    counts = dict(Tag.objects.annotate(n=Count("residents")).values_list("name", "n"))
    expected = {"空巢", "独居", "困境儿童", "低保", "残疾", "退役军人", "流动人口", "党员", "优抚对象"}
    assert set(counts) >= expected
    total = Resident.objects.count()
    for name in ("空巢", "低保", "残疾", "退役军人", "流动人口", "党员"):
        assert 0 < counts[name] < total * 0.3, name
    alone = Resident.objects.filter(tags__name="独居").annotate(n=Count("household__residents"))
    assert {r.n for r in alone} == {1}


def test_the_same_seed_gives_the_same_people_and_another_seed_does_not():
    def first_people(seed: int, n: int = 300) -> list[tuple]:
        plan = generator.build_plan("M", seed)
        people = (
            (h.number, h.address, r.name, r.id_number, r.phone, r.birth_date, tuple(r.tags))
            for sp in generator.iter_settlements(plan, seed)
            for h in sp.households
            for r in h.residents
        )
        return list(itertools.islice(people, n))

    assert first_people(7) == first_people(7)
    assert first_people(7) != first_people(8)
    plan_a, plan_b = generator.build_plan("L", 7), generator.build_plan("L", 7)
    assert [(a.code, a.name, a.box) for a in plan_a.areas] == [(a.code, a.name, a.box) for a in plan_b.areas]


def test_bulk_encryption_is_readable_by_pii_decrypt():
    values = ["370211198001010012", "13812345678", "", "x" * 33]
    assert [pii.decrypt(t) for t in encrypt_many(values)] == values


def test_every_demo_login_gets_an_api_token(seeded):
    from gongzhi.accounts import otp, totp
    from gongzhi.core import clock
    from gongzhi.people.demo.logins import DEMO_TOTP_SECRET, TWO_FACTOR_ROLES

    client = Client()
    for login in DEMO_LOGINS:
        body = {"username": login.username, "password": DEMO_PASSWORD}
        user = User.objects.get(username=login.username)
        # The logins marked * are the ones the policy asks a second factor of, enrolled with the published secret.
        assert otp.required(user) is (login.role in TWO_FACTOR_ROLES), login.username
        if login.role in TWO_FACTOR_ROLES:
            refused = client.post("/api/v1/auth/token", body, content_type="application/json")
            assert refused.status_code == 401 and refused.json()["code"] == "second_factor_required"
            body["otp"] = totp.code_at(DEMO_TOTP_SECRET, clock.now().timestamp())
        response = client.post("/api/v1/auth/token", body, content_type="application/json")
        assert response.status_code == 201, (login.username, response.content)
        membership = Membership.objects.get(user__username=login.username)
        assert membership.role == login.role
        assert membership.area.code == login.area_code
    assert {d.role for d in DEMO_LOGINS} == set(Role.values)
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    resident_user = User.objects.get(username="resident")
    assert resident_user.resident.household.area.code == "37021100200100101"
    assert PartyMember.objects.filter(user__username="party", area__name="富春江路社区").exists()
    assert Membership.objects.get(user__username="dept").department.kind == "城管"


def test_grid_worker_sees_the_residents_of_the_grid(seeded):
    client = Client()
    token = client.post(
        "/api/v1/auth/token", {"username": "grid", "password": DEMO_PASSWORD}, content_type="application/json"
    ).json()["token"]
    response = client.get("/api/v1/residents?area=370211002001001&limit=50", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] > 3000 and len(body["items"]) == 50
    assert all(item["area_code"].startswith("370211002001001") for item in body["items"])
    # Another street is out of reach for a grid worker.
    other = client.get("/api/v1/residents?area=370211001&limit=5", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert other.status_code == 403


def test_if_empty_leaves_a_seeded_database_alone_and_a_plain_seed_refuses(seeded):
    before = (Area.objects.count(), Resident.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--size", "S", "--if-empty", "--no-progress", stdout=out)
    assert (Area.objects.count(), Resident.objects.count(), User.objects.count()) == before
    assert "gongzhi-demo" in out.getvalue()
    with pytest.raises(CommandError, match="already holds an area tree"):
        call_command("seed_demo", "--size", "S", "--no-progress", stdout=io.StringIO())
    with pytest.raises(NotEmpty):
        seed_demo(size="S", progress=False)
    assert (Area.objects.count(), Resident.objects.count(), User.objects.count()) == before


def test_print_logins_lists_every_role_and_exits(db):
    out = io.StringIO()
    call_command("seed_demo", "--print-logins", stdout=out)
    text = out.getvalue()
    for login in DEMO_LOGINS:
        assert login.username in text and login.area_code in text
    assert "居民" in text and "street staff" in text
    assert not Area.objects.exists()


def test_seeding_an_empty_database_through_the_command_reports_counts(db):
    out = io.StringIO()
    call_command("seed_demo", "--size", "S", "--seed", "3", "--no-progress", stdout=out)
    assert "Seeded demo district size S" in out.getvalue()
    assert Area.objects.filter(level="district", code="370211").exists()
    assert User.objects.filter(username="street").exists()
