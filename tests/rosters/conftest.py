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
