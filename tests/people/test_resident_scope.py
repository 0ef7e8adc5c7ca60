"""Residents are searched and read only inside the reader's areas; another area's records are refused clearly."""

import pytest

from tests.conftest import COMMUNITY_B, MICRO_A


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("superuser", True, True),
        ("admin", True, True),
        ("street_staff", True, True),
        ("community_worker_a", True, False),
        ("community_worker_b", False, True),
        ("grid_worker_a", True, False),
        ("grid_worker_a2", False, False),
        ("microgrid_worker_a", True, False),
        ("other_street_staff", False, False),
        ("department", False, False),
        ("resident_a", False, False),
    ],
)
def test_search_lists_only_residents_in_reach(district, resident_in_a, resident_in_b, as_user, persona, sees_a, sees_b):
    body = as_user(district[persona]).get("/api/v1/residents").json()
    names = {r["name"] for r in body["items"]}
    assert ("张三" in names) is sees_a
    assert ("李四" in names) is sees_b


@pytest.mark.parametrize(
    ("query", "found"), [("zs", True), ("zhang", True), ("zhangsan", True), ("张", True), ("ls", False), ("王", False)]
)
def test_name_pinyin_and_initials_search(district, resident_in_a, as_user, query, found):
    body = as_user(district["community_worker_a"]).get("/api/v1/residents", {"q": query}).json()
    assert ([r["name"] for r in body["items"]] == ["张三"]) is found


def test_search_by_full_id_number_and_phone_uses_the_keyed_hash(district, resident_in_a, as_user):
    client = as_user(district["community_worker_a"])
    assert client.get("/api/v1/residents", {"q": resident_in_a.id_number_plain}).json()["count"] == 1
    assert client.get("/api/v1/residents", {"q": "13812345678"}).json()["count"] == 1


def test_another_areas_record_is_a_clear_403(district, resident_in_b, as_user):
    response = as_user(district["community_worker_a"]).get(f"/api/v1/residents/{resident_in_b.pk}")
    assert response.status_code == 403
    assert response.json()["detail"] == "您没有权限访问该区域的这项内容"


def test_filtering_by_an_area_outside_reach_is_403(district, as_user):
    response = as_user(district["community_worker_a"]).get("/api/v1/residents", {"area": COMMUNITY_B})
    assert response.status_code == 403


def test_household_page_lists_its_members(district, household_a, resident_in_a, as_user):
    body = as_user(district["grid_worker_a"]).get(f"/api/v1/households/{household_a.pk}").json()
    assert body["area_code"] == MICRO_A
    assert [r["name"] for r in body["residents"]] == ["张三"]


def test_the_superuser_reads_every_resident_and_household(district, resident_in_a, resident_in_b, as_user):
    client = as_user(district["superuser"])
    for resident in (resident_in_a, resident_in_b):
        assert client.get(f"/api/v1/residents/{resident.pk}").json()["name"] == resident.name
        assert client.get(f"/api/v1/households/{resident.household_id}").json()["residents"][0]["name"] == resident.name
    assert client.get("/api/v1/residents", {"area": COMMUNITY_B}).json()["count"] == 1


def test_api_requires_authentication(resident_in_a, client):
    assert client.get("/api/v1/residents").status_code == 401
