"""A point resolves to the micro-grid that holds it; outside every micro-grid it falls back to the smallest area."""

import numpy as np
import pytest

from gongzhi.areas.geometry import AreaResolver, get_resolver
from gongzhi.areas.models import Area
from tests.conftest import MICRO_A


def test_a_point_inside_a_microgrid_resolves_to_it(areas, client):
    micro = areas[MICRO_A]
    response = client.get("/api/v1/areas/resolve", {"lat": micro.point_lat, "lng": micro.point_lng})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == MICRO_A
    assert body["is_microgrid"] is True
    assert [a["code"] for a in body["ancestors"]] == ["370211", "370211001", "370211001001", "370211001001001"]


def test_a_point_outside_the_district_is_a_clear_404(areas, client):
    response = client.get("/api/v1/areas/resolve", {"lat": 10.0, "lng": 10.0})
    assert response.status_code == 404
    assert "不在任何" in response.json()["detail"]


def test_a_point_in_a_grid_without_microgrid_boundaries_falls_back_to_the_grid(areas):
    grid_code = MICRO_A[:15]
    grid = areas[grid_code]
    Area.objects.filter(parent=grid).update(boundary=None)
    resolver = AreaResolver.from_database()
    assert resolver.resolve(grid.point_lat, grid.point_lng) == grid_code


@pytest.mark.parametrize("lat", [35.8001, 35.9, 35.9999])
def test_bulk_resolution_agrees_with_single_resolution(areas, lat):
    resolver = get_resolver()
    lngs = np.linspace(119.95, 120.25, 50)
    lats = np.full_like(lngs, lat)
    assert resolver.resolve_many(lats, lngs) == [resolver.resolve(a, b) for a, b in zip(lats, lngs, strict=True)]
