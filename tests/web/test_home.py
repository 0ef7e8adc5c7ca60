"""Each role's home page shows what that role can do today, and says plainly what is still to come."""

from tests import factories


def test_street_staff_sees_the_counts_of_their_street(district, household_a, household_b, client_for):
    factories.ResidentFactory(household=household_a, name="张三")
    factories.ResidentFactory(household=household_b, name="李四")
    html = client_for(district["street_staff"]).get("/").content.decode()
    assert "我的辖区" in html
    # street 001: 2 communities, 4 grids, 8 micro-grids; 2 households, 2 residents
    for label, n in [("社区", 2), ("网格", 4), ("微网格", 8), ("户", 2), ("居民", 2)]:
        assert f"<dt>{label}</dt><dd>{n}</dd>" in html
    assert 'href="/people/registrations/"' in html


def test_grid_worker_sees_only_their_grid_and_no_registration_queue(district, household_a, household_b, client_for):
    factories.ResidentFactory(household=household_a, name="张三")
    factories.ResidentFactory(household=household_b, name="李四")
    html = client_for(district["grid_worker_a"]).get("/").content.decode()
    assert "<dt>微网格</dt><dd>2</dd>" in html
    assert "<dt>居民</dt><dd>1</dd>" in html
    assert "注册审核" not in html


def test_admin_gets_the_admin_link(district, client_for):
    html = client_for(district["admin"]).get("/").content.decode()
    assert 'href="/admin/"' in html


def test_roles_without_pages_yet_are_told_so(district, client_for):
    for persona, words in [("department", "部门工作台"), ("partner", "共建项目认领")]:
        html = client_for(district[persona]).get("/").content.decode()
        assert "即将上线" in html and words in html
        assert "我的辖区" not in html


def test_volunteer_gets_a_real_link_to_activities_and_no_coming_soon(district, client_for):
    html = client_for(district["volunteer_a"]).get("/").content.decode()
    assert "即将上线" not in html
    assert 'class="btn" href="/volunteering/"' in html


def test_party_member_gets_a_real_link_to_party_organisations(district, client_for):
    html = client_for(district["party_member_a"]).get("/").content.decode()
    assert "即将上线" in html
    assert 'class="btn" href="/party/"' in html


def test_resident_sees_their_household_and_masked_record(district, resident_in_a, client_for):
    user = district["resident_a"]
    user.resident = resident_in_a
    user.save(update_fields=["resident"])
    html = client_for(user).get("/").content.decode()
    assert resident_in_a.household.address in html
    assert resident_in_a.id_number_masked in html
    assert resident_in_a.id_number_plain not in html
    assert "13812345678" not in html and "138****5678" in html
    assert "我的辖区" not in html


def test_user_without_role_is_told_to_ask_for_one(district, client_for):
    html = client_for(district["nobody"]).get("/").content.decode()
    assert "还没有分配角色" in html
