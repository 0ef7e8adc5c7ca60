"""A clean roster file is imported whole, matches what the people actions write, and a second import changes nothing."""

import datetime as dt

from gongzhi.core import pii
from gongzhi.core.models import AuditEvent
from gongzhi.people import actions as people_actions
from gongzhi.people.models import Household, PartyMember, Resident
from gongzhi.rosters.models import ImportStatus
from tests.conftest import COMMUNITY_A, MICRO_A, MICRO_B
from tests.rosters.conftest import (
    HOUSEHOLD_HEADERS,
    PARTY_HEADERS,
    RESIDENT_HEADERS,
    id_number,
    run_import,
    xlsx,
)


def residents_workbook():
    return xlsx(
        (
            "居民",
            [
                RESIDENT_HEADERS,
                ["H-100", "张三", id_number(101), "13812345678", "男", "1980-01-01", "户主", "独居、低保"],
                ["H-100", "李梅", id_number(102, birth="19821231"), "", "", dt.datetime(1982, 12, 31), "配偶", ""],
                ["H-200", "王五", id_number(103, birth="19900505"), "0532-88886666", None, None, "户主", "低保"],
                [None, None, None, None, None, None, None, None],
            ],
        ),
        ("户", [HOUSEHOLD_HEADERS, ["H-100", MICRO_A, "灵山卫1社区 1号楼1单元101", "101"]]),
    )


def test_a_clean_residents_file_with_its_households_sheet_is_imported(district, tags):
    Household.objects.create(number="H-200", area=district.areas[MICRO_B], area_code=MICRO_B, address="B")
    job = run_import(district["street_staff"], "residents", residents_workbook())

    assert job.status == ImportStatus.DONE, job.message
    assert (job.total_rows, job.error_count) == (4, 0)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (4, 0, 0)
    zhang = Resident.objects.get(name="张三")
    assert zhang.household.number == "H-100"
    assert zhang.area_code == MICRO_A
    assert zhang.id_number_plain == id_number(101)
    assert zhang.phone_plain == "13812345678"
    assert (zhang.name_pinyin, zhang.name_initials) == ("zhangsan", "zs")
    assert sorted(t.name for t in zhang.tags.all()) == ["低保", "独居"]
    li = Resident.objects.get(name="李梅")
    assert li.gender == "F" and li.birth_date == dt.date(1982, 12, 31) and li.phone_plain == ""
    assert Resident.objects.get(name="王五").area_code == MICRO_B


def test_one_audit_row_per_job_with_the_counts(district, tags):
    before = AuditEvent.objects.count()
    job = run_import(district["street_staff"], "residents", residents_workbook_in_a())
    events = AuditEvent.objects.filter(action="roster.import")
    assert AuditEvent.objects.count() == before + 1
    event = events.get()
    assert event.target_id == str(job.pk)
    assert event.data["created"] == 3 and event.data["errors"] == 0 and event.data["status"] == "done"


def residents_workbook_in_a():
    return xlsx(
        (
            "居民",
            [
                RESIDENT_HEADERS,
                *[["H-1", n, id_number(200 + i), "", "", "", "", ""] for i, n in enumerate(["甲", "乙"])],
            ],
        ),
        ("户", [HOUSEHOLD_HEADERS, ["H-1", MICRO_A, "地址1", ""]]),
    )


def test_a_second_import_of_the_same_file_changes_nothing(district, tags):
    data = residents_workbook_in_a()
    first = run_import(district["community_worker_a"], "residents", data)
    stamps = dict(Resident.objects.values_list("id", "updated_at"))

    second = run_import(district["community_worker_a"], "residents", data)

    assert (first.created_count, first.updated_count) == (3, 0)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 3)
    assert dict(Resident.objects.values_list("id", "updated_at")) == stamps


def test_a_changed_row_is_reported_as_updated(district, tags):
    run_import(district["community_worker_a"], "residents", residents_workbook_in_a())
    changed = xlsx(
        ("居民", [RESIDENT_HEADERS, ["H-1", "甲", id_number(200), "13900000000", "", "", "户主", "独居"]]),
    )
    job = run_import(district["community_worker_a"], "residents", changed)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 0)
    r = Resident.objects.get(name="甲")
    assert r.phone_plain == "13900000000" and r.relation == "户主" and [t.name for t in r.tags.all()] == ["独居"]


def test_imported_records_equal_what_the_people_actions_write(district, tags, household_a):
    actor = district["community_worker_a"]
    via_action, _ = people_actions.resident_upsert(
        actor=actor,
        household=household_a,
        name="欧阳娜娜",
        id_number=id_number(301, birth="19950203"),
        phone="13700001111",
        relation="子女",
        tags=["独居"],
    )
    data = xlsx(
        (
            "居民",
            [
                RESIDENT_HEADERS,
                [
                    household_a.number,
                    "欧阳娜娜",
                    id_number(303, birth="19950203"),
                    "13700001111",
                    "",
                    "",
                    "子女",
                    "独居",
                ],
            ],
        )
    )
    run_import(actor, "residents", data)
    via_import = Resident.objects.get(id_number_hash=pii.lookup_hash(id_number(303, birth="19950203")))
    fields = [
        "household_id",
        "area_id",
        "area_code",
        "name",
        "name_pinyin",
        "name_initials",
        "gender",
        "birth_date",
        "relation",
        "phone_hash",
    ]
    assert {f: getattr(via_import, f) for f in fields} == {f: getattr(via_action, f) for f in fields}
    assert via_import.phone_plain == via_action.phone_plain
    assert [t.name for t in via_import.tags.all()] == [t.name for t in via_action.tags.all()]
    assert via_import.id_number_plain == id_number(303, birth="19950203")


def test_households_file_imports_and_reimports_unchanged(district):
    data = xlsx(("户", [HOUSEHOLD_HEADERS, ["A-1", MICRO_A, "地址一", "101"], ["A-2", MICRO_A, "地址二", 202]]))
    first = run_import(district["community_worker_a"], "households", data)
    second = run_import(district["community_worker_a"], "households", data)
    assert (first.status, first.created_count) == (ImportStatus.DONE, 2)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 2)
    assert Household.objects.get(number="A-2").room == "202"


def test_english_headers_are_accepted(district):
    data = xlsx(("Sheet1", [["household_number", "microgrid_code", "address", "room"], ["E-1", MICRO_A, "addr", ""]]))
    job = run_import(district["community_worker_a"], "households", data)
    assert job.status == ImportStatus.DONE and job.created_count == 1


def test_party_members_are_imported_and_linked_to_their_resident_record(district, party_org_a, resident_in_a):
    data = xlsx(
        (
            "党员",
            [
                PARTY_HEADERS,
                [
                    "张三",
                    resident_in_a.id_number_plain,
                    "13812345678",
                    "在职报到党员",
                    "灵山卫1社区党委",
                    COMMUNITY_A,
                    "区教育局",
                    "2001-07-01",
                ],
                ["赵六", id_number(401), "", "自管党员", "灵山卫1社区党委", "", "", ""],
            ],
        )
    )
    first = run_import(district["community_worker_a"], "party_members", data)
    second = run_import(district["community_worker_a"], "party_members", data)

    assert first.status == ImportStatus.DONE, first.message
    assert (first.created_count, second.unchanged_count, second.updated_count) == (2, 2, 0)
    zhang = PartyMember.objects.get(name="张三")
    assert zhang.kind == "in_service" and zhang.resident_id == resident_in_a.pk
    assert zhang.joined_on == dt.date(2001, 7, 1) and zhang.organization == party_org_a
    assert PartyMember.objects.get(name="赵六").area_code == COMMUNITY_A
