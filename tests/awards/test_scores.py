"""Every score is the data counted directly, stored with its explanation (factor, value, weight, source count)."""

from decimal import Decimal

import pytest

from gongzhi.awards.actions.compute import scheme_compute
from gongzhi.awards.models import AwardEvent, Result
from gongzhi.core.errors import ValidationFailed
from tests.awards.conftest import party_scheme
from tests.conftest import GRID_A, GRID_A2, GRID_B


def factor(result, key):
    return next(f for f in result.explanation if f["key"] == key)


def test_party_member_stars_are_the_data_counted_directly(district, facts):
    scheme = party_scheme(district)
    counts = scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    assert counts == {"created": 3, "updated": 0, "unchanged": 0, "kept": 0}
    zhao = Result.objects.get(scheme=scheme, party_member=facts["zhao"])
    # wishes: 2 closed + 1 fulfilled claimed in 2026 (not the 2025 one, not the open one, not the errand)
    assert (factor(zhao, "wishes")["value"], factor(zhao, "wishes")["source_count"]) == (3, 3)
    # hours: 12.5 + 8 confirmed in 2026 (not 2025's 30, not the unconfirmed 5)
    assert (factor(zhao, "hours")["value"], factor(zhao, "hours")["source_count"]) == (20.5, 2)
    # zone (grid A): the 2 closed wishes in micro-grid A + the attendance in grid A (not community A's, not B's errand)
    assert factor(zhao, "zone")["value"] == 3
    # appeals: 4 in 2026, not the cancelled one, not 2025's
    assert factor(zhao, "appeals")["value"] == 4
    # score = 100 × Σ min(1, v/target) × weight / Σ weight with the defaults (4 wishes/30, 40 h/30, 6/20, 6/20)
    expected = (min(1, 3 / 4) * 30 + min(1, 20.5 / 40) * 30 + min(1, 3 / 6) * 20 + min(1, 4 / 6) * 20) / 100 * 100
    assert zhao.score == Decimal(f"{expected:.2f}")
    assert [f["weight"] for f in zhao.explanation] == [30, 30, 20, 20]
    assert sum(f["points"] for f in zhao.explanation) == pytest.approx(expected, abs=0.02)
    assert zhao.stars == 3  # 60.0x ≥ 60, < 75
    qian = Result.objects.get(scheme=scheme, party_member=facts["qian"])
    assert [factor(qian, k)["value"] for k in ("wishes", "hours", "zone", "appeals")] == [0, 50.0, 0, 1]
    assert factor(qian, "zone")["why"] == "未设责任区"
    nobody = Result.objects.get(scheme=scheme, party_member=facts["nobody"])
    assert nobody.score == 0 and nobody.stars == 0
    assert AwardEvent.objects.filter(action="compute").count() == 3


def test_thresholds_and_weights_of_the_scheme_decide_the_stars(district, facts):
    scheme = party_scheme(district, config={"factors": {"wishes": {"weight": 100, "target": 3},
                                                        "hours": {"weight": 0, "target": 40},
                                                        "zone": {"weight": 0, "target": 6},
                                                        "appeals": {"weight": 0, "target": 6}},
                                            "stars": [10, 20, 30, 40, 100]})  # fmt: skip
    scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    zhao = Result.objects.get(scheme=scheme, party_member=facts["zhao"])
    assert zhao.score == Decimal("100.00") and zhao.stars == 5
    qian = Result.objects.get(scheme=scheme, party_member=facts["qian"])
    assert qian.score == 0 and qian.stars == 0


def test_a_score_exactly_at_a_threshold_reaches_that_star(district, facts):
    # 赵 has 3 of 4 wishes → 75.00 with only the wishes weighted; 4★ needs exactly 75
    scheme = party_scheme(district, config={"factors": {"wishes": {"weight": 10, "target": 4},
                                                        "hours": {"weight": 0}, "zone": {"weight": 0},
                                                        "appeals": {"weight": 0}},
                                            "stars": [20, 40, 60, 75, 90]})  # fmt: skip
    scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    zhao = Result.objects.get(scheme=scheme, party_member=facts["zhao"])
    assert (zhao.score, zhao.stars) == (Decimal("75.00"), 4)


@pytest.mark.parametrize(
    "config, field",
    [
        ({"stars": [10, 20, 20, 40, 50]}, "config.stars"),
        ({"stars": [10, 20, 30]}, "config.stars"),
        ({"stars": [10, 20, 30, 40, 101]}, "config.stars"),
        ({"factors": {"wishes": {"weight": -1}}}, "config.factors.wishes.weight"),
        ({"factors": {"wishes": {"weight": 10, "target": 0}}}, "config.factors.wishes.target"),
        ({"factors": {"luck": {"weight": 10}}}, "config.factors"),
        ({"factors": {k: {"weight": 0} for k in ("wishes", "hours", "zone", "appeals")}}, "config.factors"),
        ({"bonus": 1}, "config"),
        ({"stars": ["a", 2, 3, 4, 5]}, "config.stars"),
    ],
)
def test_bad_thresholds_are_refused_and_nothing_is_created(district, facts, config, field):
    from gongzhi.awards.models import Scheme

    with pytest.raises(ValidationFailed) as err:
        party_scheme(district, config=config)
    assert err.value.field == field
    assert not Scheme.objects.exists()


def test_recomputing_updates_only_results_still_computed(district, facts):
    from gongzhi.awards.actions.workflow import result_move
    from tests.awards.conftest import appeal

    scheme = party_scheme(district)
    scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    zhao = Result.objects.get(scheme=scheme, party_member=facts["zhao"])
    qian = Result.objects.get(scheme=scheme, party_member=facts["qian"])
    result_move(actor=district["street_staff"], result_id=zhao.pk, action="confirm")
    for _ in range(3):
        appeal(district, reporter=district["party_member_a"])
        appeal(district, reporter=facts["qian_user"])
    counts = scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    assert counts == {"created": 0, "updated": 1, "unchanged": 1, "kept": 1}
    zhao.refresh_from_db()
    qian.refresh_from_db()
    assert factor(zhao, "appeals")["value"] == 4  # what was confirmed stays
    assert factor(qian, "appeals")["value"] == 4
    assert AwardEvent.objects.filter(result=qian, action="recompute").count() == 1


def test_grid_stars_are_the_7135_inspection_and_volunteer_data_counted_directly(district, grid_facts):
    scheme = party_scheme(district, kind="grid_stars", name="星级网格")
    scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    a = Result.objects.get(scheme=scheme, area__code=GRID_A)
    assert (factor(a, "response")["value"], factor(a, "response")["source_count"]) == (0.75, 4)
    assert (factor(a, "on_time")["value"], factor(a, "on_time")["source_count"]) == (pytest.approx(2 / 3, abs=1e-4), 3)
    assert (factor(a, "satisfaction")["value"], factor(a, "satisfaction")["source_count"]) == (0.8, 5)
    assert (factor(a, "inspections")["value"], factor(a, "inspections")["source_count"]) == (0.5, 2)
    assert (factor(a, "hours")["value"], factor(a, "hours")["source_count"]) == (20.0, 1)
    expected = (0.75 * 20 + 2 / 3 * 20 + 0.8 * 20 + 0.5 * 20 + min(1, 20 / 200) * 20) / 100 * 100
    assert a.score == Decimal(f"{expected:.2f}") and a.stars == 2  # 56.33: ≥ 40, < 60
    a2 = Result.objects.get(scheme=scheme, area__code=GRID_A2)
    assert factor(a2, "inspections")["value"] == 1.0
    assert factor(a2, "response")["value"] is None and factor(a2, "response")["ratio"] == 0.6
    assert "无数据" in factor(a2, "response")["why"]
    b = Result.objects.get(scheme=scheme, area__code=GRID_B)
    assert b.score == Decimal(f"{0.6 * 80:.2f}")
    assert Result.objects.filter(scheme=scheme).count() == 4  # the street's four grids


def test_grid_stars_earn_no_points(district):
    with pytest.raises(ValidationFailed) as err:
        party_scheme(district, kind="grid_stars", name="星级网格", points_rule="local-honour")
    assert err.value.field == "points_rule"
