"""Importers reach their own areas only; roles without the import rule cannot import at all."""

import pytest

from gongzhi.core.errors import PermissionDenied
from gongzhi.people.models import Household, PartyMember, Resident
from gongzhi.rosters.models import ImportStatus
from tests.conftest import COMMUNITY_B, MICRO_A, MICRO_B
from tests.rosters.conftest import (
    HOUSEHOLD_HEADERS,
    PARTY_HEADERS,
    RESIDENT_HEADERS,
    id_number,
    run_import,
    upload,
    xlsx,
)


def households_in_a_and_b():
    return xlsx(("户", [HOUSEHOLD_HEADERS, ["A-1", MICRO_A, "A 地址", ""], ["B-1", MICRO_B, "B 地址", ""]]))


def test_a_community_worker_cannot_import_another_communitys_rows(district):
    job = run_import(district["community_worker_a"], "households", households_in_a_and_b())

    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["reason"]) for e in job.errors] == [(3, f"无权导入该区域（{MICRO_B}）")]
    assert not Household.objects.exists()


def test_in_good_rows_mode_only_their_own_rows_are_written(district):
    job = run_import(district["community_worker_a"], "households", households_in_a_and_b(), mode="good_rows")
    assert list(Household.objects.values_list("number", flat=True)) == ["A-1"]
    assert job.error_count == 1


def test_the_street_staff_above_both_communities_imports_both(district):
    job = run_import(district["street_staff"], "households", households_in_a_and_b())
    assert job.status == ImportStatus.DONE and Household.objects.count() == 2


def test_a_row_cannot_move_a_household_out_of_another_communitys_reach(district, household_b):
    data = xlsx(("户", [HOUSEHOLD_HEADERS, [household_b.number, MICRO_A, "搬到 A", ""]]))
    job = run_import(district["community_worker_a"], "households", data)
    assert "无权导入该区域" in job.errors[0]["reason"] and COMMUNITY_B in job.errors[0]["reason"]
    household_b.refresh_from_db()
    assert household_b.area_code == MICRO_B


def test_residents_of_a_household_in_another_community_are_refused(
    district, household_a, household_b, resident_in_b, tags
):
    data = xlsx(
        (
            "居民",
            [
                RESIDENT_HEADERS,
                [household_b.number, "新人", id_number(51), "", "", "", "", ""],
                ["HA-0001", "李四", resident_in_b.id_number_plain, "", "", "", "", ""],
            ],
        )
    )
    job = run_import(district["community_worker_a"], "residents", data)
    reasons = {e["row"]: e["reason"] for e in job.errors}
    assert "无权导入该区域" in reasons[2]
    assert "该居民已登记在您无权管理的区域" in reasons[3]  # moving B's resident into A's household
    assert Resident.objects.count() == 1
    resident_in_b.refresh_from_db()
    assert resident_in_b.household == household_b


def test_party_members_of_another_communitys_organisation_are_refused(district, party_org_b):
    data = xlsx(("党员", [PARTY_HEADERS, ["赵六", id_number(61), "", "自管党员", "灵山卫2社区党委", "", "", ""]]))
    job = run_import(district["community_worker_a"], "party_members", data)
    assert "无权导入该区域" in job.errors[0]["reason"]
    assert not PartyMember.objects.exists()


def test_an_unknown_party_organisation_is_an_error_row(district, party_org_a):
    data = xlsx(
        ("党员", [PARTY_HEADERS, ["赵六", id_number(62), "", "自管党员", "不存在的党支部", "", "", "2001-13-01"]])
    )
    job = run_import(district["community_worker_a"], "party_members", data)
    reason = job.errors[0]["reason"]
    assert "党组织“不存在的党支部”不存在" in reason and "入党日期" in reason


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("superuser", True),
        ("admin", True),
        ("street_staff", True),
        ("community_worker_a", True),
        ("grid_worker_a", False),
        ("microgrid_worker_a", False),
        ("department", False),
        ("party_member_a", False),
        ("volunteer_a", False),
        ("partner", False),
        ("resident_a", False),
        ("nobody", False),
    ],
)
def test_who_may_start_an_import(district, persona, allowed):
    from gongzhi.rosters import actions

    def start():
        return actions.roster_import_start(
            actor=district[persona],
            kind="households",
            upload=upload(xlsx(("户", [HOUSEHOLD_HEADERS]))),
            enqueue=False,
        )

    if allowed:
        assert start().pk
    else:
        with pytest.raises(PermissionDenied):
            start()
