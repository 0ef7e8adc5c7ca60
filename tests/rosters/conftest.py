"""Helpers for roster tests: workbooks built in memory, media files in a temporary folder."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from gongzhi.people.models import Tag
from tests import factories

HOUSEHOLD_HEADERS = ["户编号", "微网格编码", "地址", "门牌号"]
RESIDENT_HEADERS = ["户编号", "姓名", "身份证号", "手机号", "性别", "出生日期", "与户主关系", "标签"]
PARTY_HEADERS = ["姓名", "身份证号", "手机号", "党员类型", "所在党组织", "报到社区编码", "工作单位", "入党日期"]


def xlsx(*sheets: tuple[str, list[list]]) -> bytes:
    """A workbook with one sheet per (title, rows); the first row of each is its header."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_xlsx(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def id_number(seq: int, birth: str = "19800101", area: str = "370211") -> str:
    return factories.make_id_number(birth=birth, area=area, seq=seq)


def bad_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tags(db):
    return {name: Tag.objects.create(name=name, code=code) for name, code in [("独居", "alone"), ("低保", "dibao")]}


def upload(data: bytes, name: str = "roster.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def run_import(user, kind: str, data: bytes, mode: str = "all_or_nothing"):
    """Start and run an import in this process, as the import_roster command does."""
    from gongzhi.rosters import actions

    job = actions.roster_import_start(actor=user, kind=kind, mode=mode, upload=upload(data), enqueue=False)
    return actions.roster_import_run(job_id=job.pk)


@pytest.fixture
def party_org_a(areas):
    from gongzhi.people.models import PartyOrganization
    from tests.conftest import COMMUNITY_A

    return PartyOrganization.objects.create(
        name="灵山卫1社区党委", kind="committee", area=areas[COMMUNITY_A], area_code=COMMUNITY_A
    )


@pytest.fixture
def party_org_b(areas):
    from gongzhi.people.models import PartyOrganization
    from tests.conftest import COMMUNITY_B

    return PartyOrganization.objects.create(
        name="灵山卫2社区党委", kind="committee", area=areas[COMMUNITY_B], area_code=COMMUNITY_B
    )
