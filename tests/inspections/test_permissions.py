"""Who may do what with a place in micro-grid A (grid A, community A, street 001): persona × action."""

import pytest

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.inspections.actions.inspecting import inspection_submit
from gongzhi.inspections.actions.places import place_contact_reveal, place_update
from gongzhi.inspections.actions.rectifications import rectification_act
from gongzhi.inspections.models import Inspection
from tests.inspections.conftest import passing

INSPECT, EDIT, REVEAL, EXTEND = "inspect", "edit", "reveal", "extend"
TABLE = {
    # persona: (inspect, edit the place, reveal the contact, extend an order)
    "street_staff": (True, True, True, True),
    "community_worker_a": (True, True, True, True),
    "community_worker_b": (False, False, False, False),
    "grid_worker_a": (True, True, False, False),
    "grid_worker_a2": (False, False, False, False),
    "microgrid_worker_a": (True, False, False, False),
    "other_street_staff": (False, False, False, False),
    "department": (False, False, False, False),
    "volunteer_a": (False, False, False, False),
    "resident_a": (False, False, False, False),
    "admin": (True, True, True, True),
}


def allowed(call):
    try:
        call()
    except (PermissionDenied, NotFound):
        return False
    return True


@pytest.mark.parametrize("persona", sorted(TABLE))
def test_persona_table(district, restaurant, templates, persona):
    food = templates["food_safety"]
    order = inspection_submit(
        actor=district["grid_worker_a"],
        place_id=restaurant.pk,
        template_id=food.pk,
        answers=passing(food, storage={"result": "fail"}),
    ).rectifications[0]
    user = district[persona]
    before = Inspection.objects.count()
    got = (
        allowed(
            lambda: inspection_submit(actor=user, place_id=restaurant.pk, template_id=food.pk, answers=passing(food))
        ),
        allowed(lambda: place_update(actor=user, place_id=restaurant.pk, address="商业街 5 号")),
        allowed(lambda: place_contact_reveal(actor=user, place_id=restaurant.pk)),
        allowed(
            lambda: rectification_act(
                actor=user, rectification_id=order.pk, action="extend", deadline="2026-06-30", note="等设备"
            )
        ),
    )
    assert got == TABLE[persona]
    assert Inspection.objects.count() == before + (1 if got[0] else 0)
