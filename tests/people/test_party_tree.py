"""The party organisation tree keeps its order of levels, and members get zones and posts."""

import pytest

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.people.actions import party_member_upsert
from gongzhi.people.models import PartyOrganization
from gongzhi.people.party_actions import party_org_create, responsibility_zone_add, service_post_add
from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, MICRO_A
from tests.factories import make_id_number


def test_committee_branch_group_central_household(district, areas):
    actor = district["community_worker_a"]
    committee = party_org_create(actor=actor, name="一社区党委", kind="committee", area=areas[COMMUNITY_A])
    branch = party_org_create(actor=actor, name="瑞城党支部", kind="branch", area=areas[GRID_A], parent=committee)
    group = party_org_create(actor=actor, name="3号楼党小组", kind="group", area=areas[MICRO_A], parent=branch)
    home = party_org_create(
        actor=actor, name="王大爷党员中心户", kind="central_household", area=areas[MICRO_A], parent=group
    )
    assert home.parent.parent.parent == committee
    member, state = party_member_upsert(
        actor=actor,
        organization=group,
        name="刘红",
        id_number=make_id_number(),
        kind="在职报到党员",
        workplace="区财政局",
    )
    assert (state, member.kind) == ("created", "in_service")
    assert responsibility_zone_add(actor=actor, member=member, area=areas[MICRO_A], description="3号楼及周边绿地")
    assert service_post_add(actor=actor, member=member, area=areas[MICRO_A], name="政策宣讲岗", schedule="周六上午")
    assert PartyOrganization.objects.count() == 4


@pytest.mark.parametrize(
    ("kind", "parent_kind", "area_code"),
    [
        ("group", "committee", GRID_A),  # skips a level
        ("branch", None, GRID_A),  # a branch without a committee
        ("branch", "committee", COMMUNITY_B),  # outside the parent's area
        ("army", "committee", GRID_A),
    ],
)
def test_bad_tree_shapes_are_refused(district, areas, kind, parent_kind, area_code):
    admin = district["admin"]
    parent = (
        party_org_create(actor=admin, name="党委", kind="committee", area=areas[COMMUNITY_A]) if parent_kind else None
    )
    with pytest.raises(ValidationFailed):
        party_org_create(actor=admin, name="x", kind=kind, area=areas[area_code], parent=parent)
    assert PartyOrganization.objects.count() == (1 if parent_kind else 0)


def test_duplicates_and_forbidden_areas(district, areas):
    party_org_create(actor=district["admin"], name="党委", kind="committee", area=areas[COMMUNITY_A])
    with pytest.raises(Conflict):
        party_org_create(actor=district["admin"], name="党委", kind="committee", area=areas[COMMUNITY_A])
    with pytest.raises(PermissionDenied):
        party_org_create(actor=district["community_worker_b"], name="x", kind="committee", area=areas[COMMUNITY_A])
    with pytest.raises(PermissionDenied):
        party_org_create(actor=district["party_member_a"], name="y", kind="committee", area=areas[COMMUNITY_A])


def test_bad_party_member_kind(district, areas):
    org = party_org_create(actor=district["admin"], name="党委", kind="committee", area=areas[COMMUNITY_A])
    with pytest.raises(ValidationFailed) as exc:
        party_member_upsert(
            actor=district["admin"], organization=org, name="x", id_number=make_id_number(), kind="预备党员"
        )
    assert exc.value.field == "kind"


def test_party_api_is_scoped(district, areas, as_user):
    org = party_org_create(actor=district["admin"], name="党委", kind="committee", area=areas[COMMUNITY_A])
    party_member_upsert(
        actor=district["admin"],
        organization=org,
        name="陈明",
        id_number=make_id_number(),
        kind="self_managed",
        phone="13511112222",
    )
    members = as_user(district["party_member_a"]).get("/api/v1/party/members", {"q": "cm"}).json()
    assert [(m["name"], m["phone"]) for m in members] == [("陈明", "135****2222")]
    orgs = as_user(district["community_worker_a"]).get("/api/v1/party/organizations").json()
    assert [(o["name"], o["member_count"]) for o in orgs] == [("党委", 1)]
    assert as_user(district["community_worker_b"]).get("/api/v1/party/organizations").json() == []
    assert as_user(district["resident_a"]).get("/api/v1/party/members").json() == []
    superuser = as_user(district["superuser"])
    assert [m["name"] for m in superuser.get("/api/v1/party/members").json()] == ["陈明"]
    assert [o["name"] for o in superuser.get("/api/v1/party/organizations").json()] == ["党委"]
