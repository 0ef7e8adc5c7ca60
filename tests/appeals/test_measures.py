"""Measures per area and period on a hand-computed month (see measures_data.py for the rows and the sums)."""

import datetime as dt

import pytest
import time_machine

from gongzhi.appeals import measures
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.appeals.measures_data import MARCH, NOW, build_march
from tests.conftest import COMMUNITY_A, COMMUNITY_B, STREET

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(district, areas):
    with time_machine.travel(NOW, tick=False):
        rows = build_march(areas)
        yield rows


def street_measures(areas, **kwargs):
    return measures.measures_for(area=areas[STREET], period=measures.Period(*MARCH), **kwargs)


def test_every_rate_of_the_street_matches_the_hand_computation(march, areas):
    total = street_measures(areas)["total"]
    assert total["received"] == 6  # a1–a4, b1, b2 (a5 cancelled, a6/a7 February, another street's not)
    assert total["dispatched"] == 5
    assert total["responded"] == 3  # a1, a3 (30-minute policy), b1
    assert total["response_rate"] == 3 / 5
    assert total["closed"] == 2
    assert total["closure_rate"] == 2 / 6
    # 应结案: a1, a2, a3, a7, b1 due in March + a6 extended past its end; 缓办: a3 suspended + a6 extended.
    assert (total["due_total"], total["deferred"], total["closed_on_time"]) == (6, 2, 2)
    assert total["on_time_rate"] == 2 / (6 - 2)
    # Ratings on received appeals: a1 满意, a2 不满意 then 基本满意.
    assert (total["rated"], total["satisfied"]) == (3, 2)
    assert total["satisfaction_rate"] == 2 / 3
    assert (total["reworked"], total["rework_base"]) == (1, 2)
    assert total["rework_rate"] == 1 / 2
    assert (total["summons"], total["summons_due"], total["summons_on_time"]) == (3, 3, 1)
    assert total["summons_punctuality"] == 1 / 3
    assert total["households"] == 6
    assert total["complaints_per_1000"] == 6 * 1000 / 6


def test_the_league_table_has_each_community(march, areas):
    children = {c["code"]: c for c in street_measures(areas)["children"]}
    assert list(children) == [COMMUNITY_A, COMMUNITY_B]
    a, b = children[COMMUNITY_A], children[COMMUNITY_B]
    assert (a["received"], a["response_rate"], a["closure_rate"]) == (4, 2 / 3, 2 / 4)
    assert (a["due_total"], a["deferred"], a["on_time_rate"]) == (5, 2, 2 / 3)
    assert (a["satisfaction_rate"], a["rework_rate"], a["summons_punctuality"]) == (2 / 3, 1 / 2, 1.0)
    assert a["complaints_per_1000"] == 1000.0
    assert (b["received"], b["response_rate"], b["closure_rate"], b["on_time_rate"]) == (2, 1 / 2, 0.0, 0.0)
    # Nothing rated and nothing closed or reworked in B: no ratio, not zero.
    assert b["satisfaction_rate"] is None
    assert b["rework_rate"] is None
    assert b["summons_punctuality"] == 0.0
    assert b["complaints_per_1000"] == 2 * 1000 / 2


def test_change_against_the_previous_period_of_the_same_length(march, areas):
    result = street_measures(areas)
    assert result["previous_period"] == measures.Period(dt.date(2026, 1, 29), dt.date(2026, 3, 1))
    # Previous: a6, a7 in A and eight in B = 10 appeals over 6 households.
    assert result["previous"]["received"] == 10
    assert result["previous"]["complaints_per_1000"] == 10 * 1000 / 6
    assert result["changes"]["complaints_per_1000"] == pytest.approx(-0.4)
    children = {c["code"]: c for c in result["children"]}
    assert children[COMMUNITY_A]["complaints_change"] == pytest.approx(1.0)  # 500 → 1000 per 1,000 households
    assert children[COMMUNITY_B]["complaints_change"] == pytest.approx(-0.75)  # 4000 → 1000


def test_a_community_is_its_own_subtree(march, areas):
    result = measures.measures_for(area=areas[COMMUNITY_A], period=measures.Period(*MARCH))
    assert result["total"]["received"] == 4
    assert result["total"]["on_time_rate"] == 2 / 3
    assert [c["code"] for c in result["children"]] == [COMMUNITY_A + "001", COMMUNITY_A + "002"]


def test_weekly_trend_covers_the_received_appeals(march, areas):
    trend = street_measures(areas)["trend"]
    assert sum(w["received"] for w in trend) == 6
    assert all(w["week"].weekday() == 0 for w in trend)
    first = trend[0]  # week of Monday 2026-02-23: a1 (3-01 is a Sunday; a1 came 3-02, a Monday → its own week)
    assert first["week"] == dt.date(2026, 3, 2)
    assert (first["received"], first["closed"]) == (2, 2)  # a1, a2


def test_an_empty_period_divides_by_nothing(march, areas):
    result = measures.measures_for(area=areas[STREET], period=measures.Period(dt.date(2025, 1, 1), dt.date(2025, 2, 1)))
    total = result["total"]
    assert total["received"] == 0
    for name in ("response_rate", "on_time_rate", "closure_rate", "satisfaction_rate", "rework_rate"):
        assert total[name] is None
    assert total["summons_punctuality"] is None
    assert total["complaints_per_1000"] == 0.0
    assert result["changes"]["complaints_per_1000"] is None
    assert result["trend"] == []


def test_a_running_period_counts_only_what_is_already_due(march, areas):
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=NOW.tzinfo), tick=False):
        total = street_measures(areas)["total"]
    # Due before 3-10 noon: a1 (3-03), a7 (3-05), a2 (3-08); a6 extended on 3-15 is not known yet as such.
    assert total["due"] == 3


def test_league_table_sorting(march, areas):
    children = street_measures(areas, sort="complaints_per_1000")["children"]
    assert [c["code"] for c in children] == [COMMUNITY_A, COMMUNITY_B]  # equal: by code
    children = street_measures(areas, sort="satisfaction_rate")["children"]
    assert [c["code"] for c in children] == [COMMUNITY_A, COMMUNITY_B]  # B has none: last
    children = street_measures(areas, sort="closure_rate")["children"]
    assert [c["closure_rate"] for c in children] == [0.5, 0.0]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-03-01", "2026-03-01", "to"),
        ("2026-3-x", "2026-04-01", "from"),
        ("2026-03-01", None, "to"),
        (None, "2026-04-01", "from"),
        ("2020-01-01", "2026-01-01", "to"),
    ],
)
def test_bad_periods_name_the_field(start, end, field):
    with pytest.raises(ValidationFailed) as info:
        measures.period_parse(start, end)
    assert info.value.field == field


def test_the_default_period_is_the_current_month():
    with time_machine.travel(NOW, tick=False):
        assert measures.period_parse() == measures.Period(dt.date(2026, 4, 1), dt.date(2026, 5, 1))


def test_bad_sort_is_refused():
    with pytest.raises(ValidationFailed) as info:
        measures.sort_parse("speed")
    assert info.value.field == "sort"


def test_area_choice_and_permission(district, areas):
    assert measures.measures_area(user=district["street_staff"], code=None).code == STREET
    assert measures.measures_area(user=district["community_worker_a"], code=COMMUNITY_A).code == COMMUNITY_A
    with pytest.raises(PermissionDenied):
        measures.measures_area(user=district["community_worker_a"], code=STREET)
    with pytest.raises(PermissionDenied):
        measures.measures_area(user=district["resident_a"], code=None)
    with pytest.raises(NotFound):
        measures.measures_area(user=district["street_staff"], code="370211009")
    with pytest.raises(ValidationFailed):
        measures.measures_area(user=district["street_staff"], code="abc")


def test_the_weekly_trend_adds_up_over_a_longer_period_starting_mid_week(march, areas):
    # 2026-01-29 is a Thursday: its first week is read from that day only.
    result = measures.measures_for(
        area=areas[STREET], period=measures.Period(dt.date(2026, 1, 29), dt.date(2026, 4, 1))
    )
    trend = result["trend"]
    assert sum(w["received"] for w in trend) == result["total"]["received"] == 16
    assert sum(w["closed"] for w in trend) == result["total"]["closed"]
    assert [w["week"] for w in trend] == sorted({w["week"] for w in trend})
    assert all(w["week"].weekday() == 0 for w in trend)
    assert trend[0]["week"] == dt.date(2026, 2, 2)  # the first appeals came on Monday 2-02; 1-29..2-01 had none
