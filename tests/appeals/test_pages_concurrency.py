"""The submit page's one-time token under a real race: four posts of one form at once make one appeal."""

import pytest
from django.db import connection

from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.appeals.page_actions import submit_from_page
from tests.conftest import MICRO_A
from tests.people.test_concurrent_writes import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL; runs in the PG pass"
    ),
]


@pytest.mark.django_db(transaction=True)
def test_four_posts_of_one_form_at_once_make_one_appeal(duty, areas, categories):
    area = areas[MICRO_A]

    def post():
        return submit_from_page(
            actor=duty["resident_a"],
            token="same-form-token-0001",
            photos=[],
            description="路灯不亮",
            category=categories["litter"].code,
            lat=area.point_lat,
            lng=area.point_lng,
        )

    results = run_together(*[post for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({appeal.pk for appeal, _created in results}) == 1
    assert sum(created for _appeal, created in results) == 1
    assert Appeal.objects.count() == 1 and AppealEvent.objects.filter(action="submit").count() == 1
