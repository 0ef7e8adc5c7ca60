"""The area browser: breadcrumbs, children with counts, and the boundaries the map draws."""

import json
import re

from tests import factories
from tests.conftest import COMMUNITY_A, GRID_A, GRID_A2, MICRO_A, STREET


def map_data(html: str) -> dict:
    found = re.search(r'<script id="area-map-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page embeds the map data"
    return json.loads(found.group(1))


def test_community_page_lists_its_grids_with_counts_and_embeds_their_boundaries(district, client_for, household_a):
    factories.ResidentFactory(household=household_a, name="张三")
    factories.ResidentFactory(household=household_a, name="张小明")
    html = client_for(district["community_worker_a"]).get(f"/areas/{COMMUNITY_A}/").content.decode()

    assert "灵山卫街道" in html and "黄岛区" in html  # breadcrumbs
    assert f'href="/areas/{STREET}/"' not in html  # the street is above a community worker's reach: no link
    data = map_data(html)
    assert data["area"]["properties"]["code"] == COMMUNITY_A
    assert [f["properties"]["code"] for f in data["children"]] == [GRID_A, GRID_A2]
    assert data["children"][0]["properties"]["url"] == f"/areas/{GRID_A}/"
    assert data["children"][0]["geometry"]["type"] == "Polygon"
    assert data["resolve_url"] == "/api/v1/areas/resolve"
    # grid A: 2 micro-grids below it, 1 household, 2 residents
    row = re.search(rf'href="/areas/{GRID_A}/">[^<]+</a></td>(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', row) == ["2", "1", "2"]


def test_street_staff_gets_links_to_every_level_below(district, client_for):
    html = client_for(district["street_staff"]).get(f"/areas/{GRID_A}/").content.decode()
    assert f'href="/areas/{STREET}/"' in html
    assert f'href="/areas/{COMMUNITY_A}/"' in html


def test_microgrid_page_lists_its_households(district, client_for, household_a):
    html = client_for(district["microgrid_worker_a"]).get(f"/areas/{MICRO_A}/").content.decode()
    assert f'href="/people/households/{household_a.pk}/"' in html
    assert map_data(html)["children"] == []


def test_area_outside_reach_is_refused_with_a_message(district, client_for):
    response = client_for(district["grid_worker_a"]).get(f"/areas/{COMMUNITY_A}/")
    assert response.status_code == 403
    assert "您没有权限访问该区域的这项内容" in response.content.decode()
