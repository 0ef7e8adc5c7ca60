"""import_roster and export_roster on the command line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.models import AuditEvent
from gongzhi.people.models import Household
from tests.conftest import COMMUNITY_A, MICRO_A, MICRO_B
from tests.rosters.conftest import HOUSEHOLD_HEADERS, read_xlsx, xlsx


def write(tmp_path, rows, name="households.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx(("户", [HOUSEHOLD_HEADERS, *rows])))
    return path


def test_import_roster_prints_a_summary_and_a_second_run_changes_nothing(district, tmp_path):
    path = write(tmp_path, [["C-1", MICRO_A, "地址", ""], ["C-2", MICRO_A, "地址", ""]])
    out, err = StringIO(), StringIO()
    call_command("import_roster", str(path), kind="households", user="community_worker_a", stdout=out, stderr=err)
    assert "created 2" in out.getvalue() and "errors 0" in out.getvalue()
    assert "校验" in err.getvalue() and "行" in err.getvalue()  # the tqdm bar
    out = StringIO()
    call_command(
        "import_roster", str(path), kind="households", user="community_worker_a", stdout=out, stderr=StringIO()
    )
    assert "created 0, updated 0, unchanged 2" in out.getvalue()


def test_import_roster_with_bad_rows_fails_and_names_the_error_workbook(district, tmp_path):
    path = write(tmp_path, [["C-1", MICRO_A, "地址", ""], ["C-2", MICRO_B, "地址", ""]])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_roster", str(path), kind="households", user="community_worker_a", stdout=out, stderr=StringIO()
        )
    assert "第 3 行：无权导入该区域" in out.getvalue() and "error workbook: " in out.getvalue()
    assert not Household.objects.exists()

    out = StringIO()
    call_command(
        "import_roster",
        str(path),
        kind="households",
        user="community_worker_a",
        good_rows=True,
        stdout=out,
        stderr=StringIO(),
    )
    assert list(Household.objects.values_list("number", flat=True)) == ["C-1"]


def test_import_roster_refuses_unknown_users_and_wrong_files(district, tmp_path):
    path = write(tmp_path, [])
    with pytest.raises(CommandError, match="no such user"):
        call_command("import_roster", str(path), kind="households", user="ghost")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(CommandError, match="xlsx"):
        call_command("import_roster", str(bad), kind="households", user="community_worker_a")
    with pytest.raises(CommandError, match="没有导入名册的权限"):
        call_command("import_roster", str(path), kind="households", user="grid_worker_a")


def test_export_roster_writes_a_masked_workbook_unless_asked(district, resident_in_a, tmp_path):
    out = tmp_path / "out" / "residents.xlsx"
    call_command(
        "export_roster", kind="residents", area=COMMUNITY_A, out=str(out), user="community_worker_a", stdout=StringIO()
    )
    assert "*" in read_xlsx(out.read_bytes())["居民"][1][2]
    call_command(
        "export_roster",
        kind="residents",
        area=COMMUNITY_A,
        out=str(out),
        user="community_worker_a",
        unmasked=True,
        stdout=StringIO(),
    )
    assert read_xlsx(out.read_bytes())["居民"][1][2] == resident_in_a.id_number_plain
    assert AuditEvent.objects.filter(action="roster.export_unmasked").count() == 1
    with pytest.raises(CommandError):
        call_command("export_roster", kind="residents", area=COMMUNITY_A, out=str(out), user="community_worker_b")
