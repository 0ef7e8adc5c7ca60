"""Party organisation pages: the tree in reach with member counts, and an organisation's members."""

from gongzhi.people.actions import party_member_upsert
from gongzhi.people.models import PartyOrganization
from tests import factories
from tests.conftest import COMMUNITY_B, GRID_A


def add_branch(district, parent, with_hidden_member=False):
    branch = PartyOrganization.objects.create(
        name="1网格小区党支部", kind="branch", parent=parent, area=district.areas[GRID_A], area_code=GRID_A
    )
    party_member_upsert(
        actor=district["admin"],
        organization=branch,
        name="赵敏",
        id_number=factories.make_id_number(birth="19800808"),
        kind="in_service",
        phone="13600002222",
        shows_identity=not with_hidden_member,
    )
    return branch


def test_tree_counts_members_including_lower_organisations(district, party_org_a, client_for):
    branch = add_branch(district, party_org_a)
    html = client_for(district["community_worker_a"]).get("/party/").content.decode()
    assert f'href="/party/{party_org_a.pk}/">灵山卫1社区党委</a>' in html
    assert f'href="/party/{branch.pk}/">1网格小区党支部</a>' in html
    assert "2 名党员（含下级）" in html  # the committee: 王红 plus 赵敏 of its branch
    assert "1 名党员（含下级）" in html


def test_grid_worker_sees_the_branch_of_their_grid_as_the_root(district, party_org_a, client_for):
    branch = add_branch(district, party_org_a)
    html = client_for(district["grid_worker_a"]).get("/party/").content.decode()
    assert f'href="/party/{branch.pk}/"' in html
    assert f'href="/party/{party_org_a.pk}/"' not in html


def test_organisation_page_lists_members_masked_with_zones_and_posts(district, party_org_a, client_for):
    add_branch(district, party_org_a)
    html = client_for(district["community_worker_a"]).get(f"/party/{party_org_a.pk}/").content.decode()
    assert "王红" in html and "自管党员" in html and "已亮身份" in html
    assert "137****1111" in html and "13700001111" not in html
    assert "1号楼东侧绿地" in html and "政策宣讲岗" in html and "每周六上午" in html
    assert "1网格小区党支部" in html  # the lower organisation


def test_members_who_do_not_show_identity_are_marked(district, party_org_a, client_for):
    branch = add_branch(district, party_org_a, with_hidden_member=True)
    html = client_for(district["community_worker_a"]).get(f"/party/{branch.pk}/").content.decode()
    assert "赵敏" in html and "在职报到党员" in html and "未公开" in html


def test_party_member_of_community_a_cannot_open_another_communitys_org(district, client_for):
    org_b = PartyOrganization.objects.create(
        name="灵山卫2社区党委", kind="committee", area=district.areas[COMMUNITY_B], area_code=COMMUNITY_B
    )
    response = client_for(district["party_member_a"]).get(f"/party/{org_b.pk}/")
    assert response.status_code == 403
