"""Whole files that cannot be read or have the wrong headers are refused at once, naming why; nothing is stored."""

import io
import zipfile

import pytest

from gongzhi.core.errors import ValidationFailed
from gongzhi.people.models import Household
from gongzhi.rosters import actions
from gongzhi.rosters.models import ImportJob
from tests.conftest import MICRO_A
from tests.rosters.conftest import HOUSEHOLD_HEADERS, RESIDENT_HEADERS, upload, xlsx


def start(user, kind, data, name="roster.xlsx"):
    return actions.roster_import_start(actor=user, kind=kind, upload=upload(data, name), enqueue=False)


def refused(user, kind, data, name="roster.xlsx") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        start(user, kind, data, name)
    assert not ImportJob.objects.exists()
    assert caught.value.field == "file"
    return caught.value


def test_missing_and_unknown_columns_are_named(district):
    data = xlsx(("居民", [["户编号", "姓名", "身分证号", "手机号", "性别", "出生日期", "与户主关系", "标签"]]))
    exc = refused(district["community_worker_a"], "residents", data)
    assert "缺少列：身份证号" in exc.message
    assert "无法识别的列：身分证号" in exc.message
    assert exc.details["missing"] == ["身份证号"] and exc.details["unknown"] == ["身分证号"]


def test_a_households_file_uploaded_as_residents_names_the_missing_columns(district):
    data = xlsx(("Sheet", [HOUSEHOLD_HEADERS, ["H-1", MICRO_A, "地址", ""]]))
    exc = refused(district["community_worker_a"], "residents", data)
    assert "姓名" in exc.message and "微网格编码" in exc.message


def test_repeated_columns_are_refused(district):
    data = xlsx(("户", [[*HOUSEHOLD_HEADERS, "地址"]]))
    assert "重复的列：地址" in refused(district["community_worker_a"], "households", data).message


def test_an_empty_workbook_is_refused(district):
    assert "空的" in refused(district["community_worker_a"], "households", xlsx(("户", []))).message


def test_a_title_row_above_the_header_is_allowed(district):
    data = xlsx(("户", [["灵山卫1社区户籍花名册"], HOUSEHOLD_HEADERS, ["T-1", MICRO_A, "地址", ""]]))
    from tests.rosters.conftest import run_import

    job = run_import(district["community_worker_a"], "households", data)
    assert job.status == "done" and Household.objects.filter(number="T-1").exists()
    assert job.errors == []


def test_a_file_that_is_not_a_workbook_is_refused(district):
    exc = refused(district["community_worker_a"], "residents", "户编号,姓名\nH-1,张三\n".encode(), "roster.csv")
    assert ".xlsx" in exc.message


def test_an_old_xls_file_is_refused_with_how_to_fix_it(district):
    exc = refused(district["community_worker_a"], "residents", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "另存为 .xlsx" in exc.message


def test_a_corrupt_workbook_is_refused(district):
    good = xlsx(("居民", [RESIDENT_HEADERS]))
    assert "损坏" in refused(district["community_worker_a"], "residents", good[: len(good) // 2]).message


def test_a_zip_that_is_not_a_workbook_is_refused(district):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert "损坏" in refused(district["community_worker_a"], "residents", buf.getvalue()).message


def test_unknown_kind_and_mode_are_refused_naming_the_field(district):
    data = xlsx(("户", [HOUSEHOLD_HEADERS]))
    with pytest.raises(ValidationFailed) as caught:
        start(district["community_worker_a"], "pets", data)
    assert caught.value.field == "kind"
    with pytest.raises(ValidationFailed) as caught:
        actions.roster_import_start(
            actor=district["community_worker_a"], kind="households", mode="some", upload=upload(data), enqueue=False
        )
    assert caught.value.field == "mode"
