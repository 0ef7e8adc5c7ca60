"""A file with bad rows: every bad row is named with its reason, and nothing is written unless the user asks."""

import io

from django.core.files.storage import default_storage
from openpyxl import load_workbook

from gongzhi.people.models import Household, Resident
from gongzhi.rosters import actions
from gongzhi.rosters.models import ImportStatus
from tests.conftest import MICRO_A
from tests.rosters.conftest import HOUSEHOLD_HEADERS, RESIDENT_HEADERS, bad_checksum, id_number, run_import, xlsx

GOOD_1 = ["H-1", "张三", id_number(11), "13812345678", "男", "", "户主", "独居"]
GOOD_2 = ["H-1", "李四", id_number(13), "", "", "", "", ""]
BAD_CHECKSUM = ["H-1", "王五", bad_checksum(id_number(15)), "", "", "", "", ""]
UNKNOWN_HOUSEHOLD = ["NO-SUCH", "赵六", id_number(17), "", "", "", "", ""]
DUPLICATE_A = ["H-1", "钱七", id_number(19), "", "", "", "", ""]
TEXT_IN_DATE = ["H-1", "孙八", id_number(21), "", "", "去年", "", ""]
UNKNOWN_TAG = ["H-1", "周九", id_number(23), "", "", "", "", "孤寡"]
DUPLICATE_B = ["H-1", "吴十", id_number(19), "", "", "", "", ""]
BAD_PHONE = ["H-1", "郑一", id_number(25), "12345", "", "", "", ""]


def bad_file():
    return xlsx(
        (
            "居民",
            [
                RESIDENT_HEADERS,
                GOOD_1,  # row 2
                GOOD_2,  # row 3
                BAD_CHECKSUM,  # row 4
                UNKNOWN_HOUSEHOLD,  # row 5
                DUPLICATE_A,  # row 6
                TEXT_IN_DATE,  # row 7
                UNKNOWN_TAG,  # row 8
                DUPLICATE_B,  # row 9
                BAD_PHONE,  # row 10
            ],
        ),
        (
            "户",
            [
                HOUSEHOLD_HEADERS,
                ["H-1", MICRO_A, "地址", ""],  # row 2
                ["H-2", "37021199999999999", "地址", ""],  # row 3: unknown area
                ["H-3", "370211001001001", "地址", ""],  # row 4: a grid, not a micro-grid
                ["H-4", 3.70211001001001e16, "地址", ""],  # row 5: code stored as a number
            ],
        ),
    )


def errors_by_row(job, sheet):
    return {e["row"]: e["reason"] for e in job.errors if e["sheet"] == sheet}


def test_bad_rows_are_named_with_their_reasons_and_nothing_is_written(district, tags):
    job = run_import(district["community_worker_a"], "residents", bad_file())

    assert job.status == ImportStatus.REJECTED
    assert (job.total_rows, job.error_count) == (13, 10)
    assert (job.created_count, job.updated_count) == (0, 0)
    assert not Household.objects.exists() and not Resident.objects.exists()
    residents = errors_by_row(job, "居民")
    assert set(residents) == {4, 5, 6, 7, 8, 9, 10}
    assert "校验位错误" in residents[4]
    assert "NO-SUCH" in residents[5] and "不存在" in residents[5]
    assert "重复" in residents[6] and "6、9" in residents[6]
    assert "重复" in residents[9] and "6、9" in residents[9]
    assert residents[7].startswith("出生日期：") and "YYYY-MM-DD" in residents[7]
    assert "孤寡" in residents[8]
    assert residents[10].startswith("手机号：")
    households = errors_by_row(job, "户")
    assert set(households) == {3, 4, 5}
    assert "37021199999999999" in households[3] and "不存在" in households[3]
    assert "微网格" in households[4]
    assert "文本" in households[5]


def test_the_error_workbook_has_the_original_columns_row_numbers_and_reasons(district, tags):
    job = run_import(district["community_worker_a"], "residents", bad_file())

    with default_storage.open(job.error_file.name, "rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()), read_only=True)
    rows = list(wb["居民"].iter_rows(values_only=True))
    assert list(rows[0]) == [*RESIDENT_HEADERS, "行号", "错误原因"]
    by_row = {r[8]: r for r in rows[1:]}
    assert set(by_row) == {4, 5, 6, 7, 8, 9, 10}
    assert by_row[4][:3] == tuple(BAD_CHECKSUM[:3])
    assert "校验位错误" in by_row[4][9]
    assert by_row[7][5] == "去年"
    household_rows = list(wb["户"].iter_rows(values_only=True))
    assert [r[4] for r in household_rows[1:]] == [3, 4, 5]


def test_good_rows_mode_writes_only_the_good_rows(district, tags):
    job = run_import(district["community_worker_a"], "residents", bad_file(), mode="good_rows")

    assert job.status == ImportStatus.DONE
    assert job.error_count == 10
    assert job.created_count == 3  # household H-1 and residents 张三 and 李四
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["张三", "李四"]
    assert list(Household.objects.values_list("number", flat=True)) == ["H-1"]


def test_residents_of_a_bad_household_row_are_refused_with_that_reason(district, tags):
    data = xlsx(
        ("居民", [RESIDENT_HEADERS, ["H-9", "张三", id_number(31), "", "", "", "", ""]]),
        ("户", [HOUSEHOLD_HEADERS, ["H-9", MICRO_A, "", ""]]),
    )
    job = run_import(district["community_worker_a"], "residents", data, mode="good_rows")
    assert "地址" in errors_by_row(job, "户")[2]
    assert "H-9" in errors_by_row(job, "居民")[2] and "户”表中有错误" in errors_by_row(job, "居民")[2]
    assert not Resident.objects.exists()


def test_the_user_can_then_choose_to_import_the_good_rows(district, tags, django_capture_on_commit_callbacks):
    job = run_import(district["community_worker_a"], "residents", bad_file())
    assert job.can_commit_good_rows

    with django_capture_on_commit_callbacks(execute=True):
        actions.roster_import_commit_good_rows(actor=district["community_worker_a"], job=job)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.mode == "good_rows"
    assert job.created_count == 3 and job.error_count == 10
    assert Resident.objects.count() == 2


def test_only_a_rejected_job_can_commit_its_good_rows(district, tags):
    import pytest

    from gongzhi.core.errors import Conflict, PermissionDenied

    done = run_import(
        district["community_worker_a"], "households", xlsx(("户", [HOUSEHOLD_HEADERS, ["X", MICRO_A, "a", ""]]))
    )
    with pytest.raises(Conflict):
        actions.roster_import_commit_good_rows(actor=district["community_worker_a"], job=done)
    rejected = run_import(district["community_worker_a"], "residents", bad_file())
    with pytest.raises(PermissionDenied):
        actions.roster_import_commit_good_rows(actor=district["street_staff"], job=rejected)
