"""Areas get checked codes and boundaries: self-intersecting, overlapping or out-of-parent polygons are refused."""

import pytest

from gongzhi.areas.actions import area_create, area_set_boundary
from gongzhi.areas.geometry import get_resolver
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import area_subtree
from gongzhi.areas.tiling import box_polygon, split_box
from gongzhi.core.errors import Conflict, ValidationFailed
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A


def poly(*coords):
    return {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}


def test_subtree_is_every_area_below_and_nothing_beside(areas):
    codes = set(area_subtree(area=areas[COMMUNITY_A]).values_list("code", flat=True))
    assert codes == {c for c in areas if c.startswith(COMMUNITY_A)}
    assert len(codes) == 1 + 2 + 4


@pytest.mark.parametrize(
    ("code", "level", "parent_code", "message"),
    [
        ("37021100100100103", "microgrid", "370211001001001", None),
        ("3702110010010010", "microgrid", "370211001001001", "17 位"),
        ("37021100100200103", "microgrid", "370211001001001", "开头"),
        ("370211001001003", "microgrid", "370211001001", "17 位"),
        ("37021100100100103", "grid", "370211001001001", "15 位"),
        ("37021100100100101", "microgrid", "370211001001001", "已被使用"),
    ],
)
def test_codes_follow_the_parent_and_the_level(district, areas, code, level, parent_code, message):
    if message is None:
        created = area_create(
            actor=district["street_staff"], code=code, name="新微网格", level=level, parent=areas[parent_code]
        )
        assert created.code == code
        return
    before = Area.objects.count()
    with pytest.raises((ValidationFailed, Conflict)) as exc:
        area_create(actor=district["street_staff"], code=code, name="x", level=level, parent=areas[parent_code])
    assert message in str(exc.value)
    assert Area.objects.count() == before


def test_a_self_intersecting_polygon_is_refused(district, areas):
    micro = areas[MICRO_A]
    x0, y0, x1, y1 = (120.0, 35.8, 120.01, 35.81)
    bowtie = poly([x0, y0], [x1, y1], [x1, y0], [x0, y1])
    with pytest.raises(ValidationFailed) as exc:
        area_set_boundary(actor=district["street_staff"], area=micro, boundary=bowtie)
    assert "自相交" in str(exc.value)
    micro.refresh_from_db()
    assert micro.boundary["coordinates"] != bowtie["coordinates"]


def test_a_polygon_overlapping_a_sibling_is_refused(district, areas):
    grid = areas[GRID_A]
    whole = areas[GRID_A].boundary["coordinates"][0]
    xs, ys = [p[0] for p in whole], [p[1] for p in whole]
    # The whole grid box overlaps the second micro-grid.
    with pytest.raises(ValidationFailed) as exc:
        area_set_boundary(
            actor=district["street_staff"],
            area=areas[MICRO_A],
            boundary=box_polygon((min(xs), min(ys), max(xs), max(ys))),
        )
    assert "重叠" in str(exc.value)
    assert grid.code in MICRO_A


def test_a_polygon_outside_the_parent_is_refused(district, areas):
    with pytest.raises(ValidationFailed) as exc:
        area_set_boundary(
            actor=district["street_staff"], area=areas[MICRO_A], boundary=box_polygon((110.0, 30.0, 110.1, 30.1))
        )
    assert "超出上级" in str(exc.value)


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Point", "coordinates": [120.0, 35.9]},
        {"type": "Polygon", "coordinates": "nonsense"},
        {"type": "Polygon", "coordinates": [[[500, 500], [501, 500], [501, 501], [500, 500]]]},
        {"nothing": True},
    ],
)
def test_malformed_geojson_is_refused(district, areas, boundary):
    with pytest.raises(ValidationFailed):
        area_set_boundary(actor=district["street_staff"], area=areas[MICRO_A], boundary=boundary)


def test_changing_a_boundary_rebuilds_the_resolver(district, areas, django_capture_on_commit_callbacks):
    micro_a, micro_a2 = areas[MICRO_A], areas[MICRO_A[:15] + "02"]
    resolver = get_resolver()
    grid_box = split_box(tuple(_bounds(areas[GRID_A])), 2)
    # Shrink micro-grid 01 to its lower half; a point in the upper half now falls back to the grid.
    x0, y0, x1, y1 = grid_box[0]
    top_point = (y1 - (y1 - y0) * 0.1, (x0 + x1) / 2)
    assert resolver.resolve(*top_point) == micro_a.code
    with django_capture_on_commit_callbacks(execute=True):
        area_set_boundary(
            actor=district["street_staff"], area=micro_a, boundary=box_polygon((x0, y0, x1, (y0 + y1) / 2))
        )
    assert get_resolver() is not resolver
    assert get_resolver().resolve(*top_point) == GRID_A
    assert micro_a2.code != micro_a.code


def _bounds(area):
    ring = area.boundary["coordinates"][0]
    return min(p[0] for p in ring), min(p[1] for p in ring), max(p[0] for p in ring), max(p[1] for p in ring)


def test_area_api_lists_children_and_details(areas, client):
    body = client.get("/api/v1/areas", {"parent": COMMUNITY_A}).json()
    assert [a["code"] for a in body["items"]] == [COMMUNITY_A + "001", COMMUNITY_A + "002"]
    assert body["items"][0]["boundary"] is None
    with_boundary = client.get("/api/v1/areas", {"parent": COMMUNITY_A, "boundary": "true"}).json()
    assert with_boundary["items"][0]["boundary"]["type"] == "Polygon"
    detail = client.get(f"/api/v1/areas/{MICRO_A}").json()
    assert detail["level"] == "microgrid"
    assert detail["parent_code"] == GRID_A
    assert detail["boundary"]["type"] == "Polygon"
    assert [a["code"] for a in detail["ancestors"]] == ["370211", "370211001", COMMUNITY_A, GRID_A]
    lat, lng = detail["point"]
    assert client.get("/api/v1/areas/resolve", {"lat": lat, "lng": lng}).json()["code"] == MICRO_A
    assert client.get("/api/v1/areas", {"level": "street"}).json()["count"] == 2


def test_unknown_area_code_is_404(areas, client):
    response = client.get("/api/v1/areas/370211999")
    assert response.status_code == 404
    assert "不存在" in response.json()["detail"]


@pytest.mark.parametrize("params", [{"lat": "abc", "lng": 1}, {"lat": 95, "lng": 1}, {"lng": 120}])
def test_bad_resolve_queries_are_422(areas, client, params):
    assert client.get("/api/v1/areas/resolve", params).status_code == 422
