"""Resident search by name, pinyin and initials, always inside the searcher's reach, updated by htmx."""

import re

import pytest

from tests import factories
from tests.conftest import COMMUNITY_B, GRID_A


@pytest.fixture
def people(household_a, household_b):
    return {
        "张三": factories.ResidentFactory(household=household_a, name="张三", phone="13812345678"),
        "赵四": factories.ResidentFactory(household=household_a, name="赵四"),
        "李四": factories.ResidentFactory(household=household_a, name="李四"),
        "张山": factories.ResidentFactory(
            household=household_b, name="张山"
        ),  # community B: out of community A's reach
    }


def names_found(response) -> set[str]:
    html = response.content.decode()
    return {name for name in ("张三", "赵四", "李四", "张山") if f">{name}</a>" in html}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", {"张三", "赵四"}),  # initials: zhang san, zhao si
        ("zhangsan", {"张三"}),
        ("ZHANG", {"张三"}),
        ("张", {"张三"}),
        ("李四", {"李四"}),
        ("13812345678", {"张三"}),  # a full phone number is looked up by its hash
        ("", {"张三", "赵四", "李四"}),
        ("wxyz", set()),
    ],
)
def test_community_worker_finds_residents_of_their_community_only(district, people, client_for, query, expected):
    response = client_for(district["community_worker_a"]).get("/people/residents/", {"q": query})
    assert response.status_code == 200
    assert names_found(response) == expected


def test_street_staff_search_reaches_both_communities(district, people, client_for):
    response = client_for(district["street_staff"]).get("/people/residents/", {"q": "zs"})
    assert names_found(response) == {"张三", "赵四", "张山"}


def test_htmx_request_gets_only_the_results_fragment(district, people, client_for):
    response = client_for(district["community_worker_a"]).get(
        "/people/residents/", {"q": "zs"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<table" in html
    assert names_found(response) == {"张三", "赵四"}


def test_results_are_masked(district, people, client_for):
    html = client_for(district["community_worker_a"]).get("/people/residents/", {"q": "张三"}).content.decode()
    assert "13812345678" not in html
    assert "138****5678" in html
    assert people["张三"].id_number_plain not in html
    assert people["张三"].id_number_masked in html


def test_area_filter_narrows_and_refuses_areas_out_of_reach(district, people, client_for):
    client = client_for(district["community_worker_a"])
    assert names_found(client.get("/people/residents/", {"area": GRID_A})) == {"张三", "赵四", "李四"}
    assert client.get("/people/residents/", {"area": COMMUNITY_B}).status_code == 403
    assert client.get("/people/residents/", {"area": "37x"}).status_code == 422


def test_pages_of_fifty_with_a_next_link(district, household_a, client_for):
    for i in range(51):
        factories.ResidentFactory(household=household_a, name=f"王{i:02d}")
    client = client_for(district["community_worker_a"])
    first = client.get("/people/residents/", {"q": "wang"}).content.decode()
    assert len(re.findall(r'href="/people/residents/\d+/"', first)) == 50
    assert "共 51 条" in first
    assert "page=2" in first
    second = client.get("/people/residents/", {"q": "wang", "page": "2"}).content.decode()
    assert ">王50</a>" in second and "page=3" not in second


def test_counting_stops_at_the_cap(district, household_a, client_for, monkeypatch):
    monkeypatch.setattr("gongzhi.people.views.COUNT_CAP", 3)
    for i in range(5):
        factories.ResidentFactory(household=household_a, name=f"孙{i}")
    html = client_for(district["community_worker_a"]).get("/people/residents/").content.decode()
    assert "超过 3 条" in html
