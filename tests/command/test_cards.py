"""GET /api/v1/command/cards: each figure equals a direct count, each persona sees only its area, bad input."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.appeals import measures
from gongzhi.appeals.models import FINISHED_STATES, Appeal
from gongzhi.volunteering.models import Volunteer
from tests import factories
from tests.appeals.measures_data import NOW, build_march
from tests.conftest import COMMUNITY_A, COMMUNITY_B, MICRO_A, MICRO_B, OTHER_STREET, STREET, api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/command/cards"
MARCH = {"from": "2026-03-01", "to": "2026-04-01"}


def _volunteer(areas, code, registered):
    user = factories.UserFactory(username=f"v-{code}-{registered:%m%d}", role="volunteer", at=areas[code])
    return Volunteer.objects.create(
        user=user, name="志愿者", kind="resident", area=areas[code], area_code=code, registered_at=registered
    )


@pytest.fixture
def march(district, areas):
    with time_machine.travel(NOW, tick=False):
        build_march(areas)
        _volunteer(areas, MICRO_A, timezone.make_aware(dt.datetime(2026, 3, 2, 10)))
        _volunteer(areas, MICRO_A, timezone.make_aware(dt.datetime(2026, 3, 20, 10)))
        _volunteer(areas, MICRO_B, timezone.make_aware(dt.datetime(2026, 2, 10, 10)))
        yield district


def _cards(user, params):
    with time_machine.travel(NOW, tick=False):
        response = api_client_for(user).get(URL, params)
    assert response.status_code == 200, response.content
    body = response.json()
    return body, {c["key"]: c for c in body["cards"]}


def test_appeal_cards_equal_the_measures_and_direct_counts(march, areas):
    body, cards = _cards(march["street_staff"], {"area": STREET, **MARCH})
    assert body["area"]["code"] == STREET
    assert (body["previous_from"], body["previous_to"]) == ("2026-01-29", "2026-03-01")
    with time_machine.travel(NOW, tick=False):
        expected = measures.measures_for(area=areas[STREET], period=measures.period_parse("2026-03-01", "2026-04-01"))
    for key in ("response_rate", "on_time_rate", "closure_rate", "satisfaction_rate", "summons_punctuality"):
        assert cards[key]["value"] == expected["total"][key], key
        assert cards[key]["previous"] == expected["previous"][key], key
    assert cards["appeals_received"]["value"] == 6
    assert cards["appeals_received"]["previous"] == 10
    assert sum(cards["appeals_received"]["series"]) == 6
    assert len(cards["appeals_received"]["series"]) == len(body["weeks"]) == 5
    street_open = Appeal.objects.filter(area_code__startswith=STREET).exclude(state__in=FINISHED_STATES)
    assert cards["appeals_open"]["value"] == street_open.count()
    assert cards["appeals_overdue"]["value"] == street_open.filter(due_at__lt=NOW).count()


def test_flow_cards_count_the_period_and_the_previous_one(march):
    _body, cards = _cards(march["street_staff"], {"area": STREET, **MARCH})
    volunteers = cards["volunteers_new"]
    assert (volunteers["value"], volunteers["previous"]) == (2, 1)
    assert volunteers["change"] == pytest.approx(1.0)
    assert volunteers["series"] == [1, 0, 1, 0, 0]  # 2 March in week 1, 20 March in week 3
    assert cards["volunteers"]["value"] == Volunteer.objects.filter(area_code__startswith=STREET).count() == 3
    assert cards["volunteers"]["previous"] is None


def test_a_community_sees_only_its_own_subtree(march):
    _body, cards = _cards(march["community_worker_b"], {"area": COMMUNITY_B, **MARCH})
    assert cards["volunteers"]["value"] == 1
    assert cards["volunteers_new"]["value"] == 0
    open_b = Appeal.objects.filter(area_code__startswith=COMMUNITY_B).exclude(state__in=FINISHED_STATES).count()
    assert cards["appeals_open"]["value"] == open_b


def test_defaults_to_the_widest_area_the_user_holds(march):
    body, _unused = _cards(march["community_worker_a"], {})
    assert body["area"]["code"] == COMMUNITY_A
    assert (body["from"], body["to"]) == ("2026-04-01", "2026-05-01")


@pytest.mark.parametrize(
    ("persona", "area"),
    [
        ("community_worker_a", COMMUNITY_B),
        ("community_worker_a", STREET),
        ("street_staff", OTHER_STREET),
        ("grid_worker_b", COMMUNITY_A),
    ],
)
def test_an_area_out_of_reach_is_403_with_a_message(march, persona, area):
    response = api_client_for(march[persona]).get(URL, {"area": area, **MARCH})
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden"
    assert "权限" in body["detail"]


def test_residents_and_strangers_get_no_centre(march):
    for persona in ("resident_a", "nobody"):
        response = api_client_for(march[persona]).get(URL)
        assert response.status_code == 403, persona
    assert api_client_for_none().get(URL).status_code == 401


def api_client_for_none():
    from django.test import Client

    return Client()


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to", "晚于"),
        ({"from": "yesterday", "to": "2026-03-01"}, "from", "日期"),
        ({"from": "2026-03-01"}, "to", "结束日期"),
        ({"area": "37x"}, "area", "数字"),
        ({"area": "370211999"}, "area", "不存在"),
    ],
)
def test_bad_input_is_a_clear_error_naming_the_field(march, params, field, words):
    response = api_client_for(march["street_staff"]).get(URL, {"area": STREET, **params})
    assert response.status_code in (404, 422)
    body = response.json()
    assert body["field"] == field
    assert words in body["detail"]


def test_errors_speak_english_when_asked(march):
    response = api_client_for(march["street_staff"]).get(
        URL, {"area": STREET, "from": "2026-04-01", "to": "2026-03-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert "to" in response.json()["detail"]
    assert "晚于" not in response.json()["detail"]
