"""The openpyxl speed-ups read exactly what openpyxl itself reads."""

import datetime as dt
import io

from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont, Text
from openpyxl.worksheet import _read_only, _reader

from gongzhi.rosters import importers, xlsx

ROWS = [
    ["户编号", "姓名", "备注"],
    ["H-1", "  前后有空格  ", ""],
    ["H-2", "张三\n换行", None],
    [37021100100100101, 3.5, dt.datetime(2020, 1, 2)],
    [None, None, None],
    ["x" * 300, "<&>\"'", "😀"],
]


def workbook_bytes(write_only: bool) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("s") if write_only else wb.active
    for row in ROWS:
        ws.append(row)
    if not write_only:
        ws["C2"] = CellRichText(["富", TextBlock(InlineFont(b=True), "文本")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read(data: bytes) -> tuple[list[tuple], int | None]:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb.worksheets[0]
    return list(ws.iter_rows(values_only=True)), ws.max_row


def test_values_and_sizes_are_the_same_with_and_without_the_fixes(monkeypatch):
    assert importers  # importing the importer installs the fixes
    for write_only in (True, False):
        data = workbook_bytes(write_only)
        with monkeypatch.context() as m:
            m.setattr(_reader, "Text", Text)
            m.setattr(_read_only.ReadOnlyWorksheet, "_get_size", xlsx._original_get_size)
            expected = read(data)
        assert _reader.Text is xlsx._FastText
        assert read(data) == expected
