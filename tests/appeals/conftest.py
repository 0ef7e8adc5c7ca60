"""Appeal fixtures: a small category tree, the micro-grid's on-duty worker, the grid's owner, and helpers."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.appeals.actions import appeal_submit
from tests.conftest import GRID_A, MICRO_A
from tests.factories import CategoryFactory, GridAssignmentFactory

# A fixed working Monday morning, away from holidays: 2026-03-16 09:00 Beijing time.
T0 = timezone.make_aware(dt.datetime(2026, 3, 16, 9, 0))


@pytest.fixture
def categories(db):
    env = CategoryFactory(code="env", name="环境卫生")
    neighbours = CategoryFactory(code="neighbours", name="邻里纠纷")
    safety = CategoryFactory(code="safety", name="安全隐患")
    return {
        "litter": CategoryFactory(
            code="env-litter",
            name="垃圾堆放",
            parent=env,
            default_tier="minor",
            default_level="microgrid",
            closure_condition="现场清理干净并拍照",
            on_site=True,
        ),
        "leak": CategoryFactory(
            code="neighbours-leak",
            name="房屋漏水",
            parent=neighbours,
            default_tier="major",
            default_level="grid",
            on_site=True,
        ),
        "noise": CategoryFactory(
            code="neighbours-noise",
            name="噪音扰民",
            parent=neighbours,
            default_tier="minor",
            on_site=False,
        ),
        "structure": CategoryFactory(
            code="safety-structure",
            name="房屋结构安全",
            parent=safety,
            default_tier="hard",
            default_level="street",
            on_site=True,
        ),
        "env": env,
    }


@pytest.fixture
def duty(district, areas):
    """microgrid_worker_a is on duty in MICRO_A; grid_worker_a owns GRID_A."""
    GridAssignmentFactory(user=district["microgrid_worker_a"], area=areas[MICRO_A], kind="microgrid", on_duty=True)
    GridAssignmentFactory(user=district["grid_worker_a"], area=areas[GRID_A], kind="full_time", is_owner=True)
    return district


def point_in(area):
    return {"lat": area.point_lat, "lng": area.point_lng}


@pytest.fixture
def submit(duty, areas, categories):
    """Submit as resident_a in MICRO_A (by its map point); keyword arguments override."""

    def _submit(category="litter", actor="resident_a", **kwargs):
        params = {"description": "楼下垃圾堆了三天没人清理", "channel": "resident_web", **point_in(areas[MICRO_A])}
        if category is not None:
            params["category"] = categories[category].code if category in categories else category
        params.update(kwargs)
        return appeal_submit(actor=duty[actor], **params).appeal

    return _submit
