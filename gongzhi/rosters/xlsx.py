"""Two fixes to openpyxl's read-only mode, applied when the importer loads. Both keep openpyxl's results and only
remove wasted work; tests/rosters/test_xlsx.py checks that the values read are the same.

1. Opening a sheet read-only looks for its <dimension> element with an 'end'-event parse that, when the element is
missing (files written by openpyxl's own write-only mode, and by several other tools), only stops at the end of
<sheetData>: the whole sheet is parsed once just to learn that its size is unknown, roughly doubling the time to
read a 100,000-row roster. Reading 'start' events finds the element, or sheetData's opening tag, in the first
few hundred bytes.

2. Inline strings (what openpyxl itself writes, so our own exports and error workbooks) are read through the
generic object-model parser (Text.from_tree): about 20 µs per cell, a third of the time to read a roster. A cell
holding just <is><t>text</t></is> is read directly; anything richer (runs, phonetic hints) still goes to openpyxl.
"""

from typing import Any

from openpyxl.cell.text import Text
from openpyxl.worksheet import _read_only, _reader
from openpyxl.worksheet._reader import DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"
TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_original_get_size = _read_only.ReadOnlyWorksheet._get_size  # type: ignore[attr-defined]  # private, not in the stubs


def _get_size(self: Any) -> None:
    # self: an openpyxl ReadOnlyWorksheet; the private attributes this replaces and sets are not in its stubs.
    src = self._get_source()
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                dimension = SheetDimension.from_tree(element)
                if dimension is None:  # Optional in the stubs; then the size stays unknown, as without the element
                    return
                bounds = dimension.boundaries
                self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return
            if element.tag == DATA_TAG:
                return
    finally:
        src.close()


class _Plain:
    __slots__ = ("content",)

    def __init__(self, content: str) -> None:
        self.content = content


class _FastText:
    """Stands in for openpyxl.cell.text.Text inside the sheet reader, which only calls from_tree(...).content."""

    @staticmethod
    def from_tree(node: Any) -> Any:
        if len(node) == 1 and node[0].tag == TEXT_TAG and not len(node[0]):
            return _Plain(node[0].text or "")
        return Text.from_tree(node)


def install() -> None:
    if getattr(_read_only.ReadOnlyWorksheet, "_get_size", None) is not None:
        _read_only.ReadOnlyWorksheet._get_size = _get_size  # type: ignore[attr-defined]  # private, not in the stubs
    if getattr(_reader, "Text", None) is Text:
        _reader.Text = _FastText  # type: ignore[attr-defined]  # the reader's own name for Text, not in the stubs
