"""One fix to openpyxl's read-only mode, applied when the importer loads.

Opening a sheet read-only looks for its <dimension> element with an 'end'-event parse that, when the element is
missing (files written by openpyxl's own write-only mode, and by several other tools), only stops at the end of
<sheetData>: the whole sheet is parsed once just to learn that its size is unknown, roughly doubling the time to
read a 100,000-row roster. Reading 'start' events finds the element, or sheetData's opening tag, in the first
few hundred bytes. The outcome is the same; only the wasted pass is gone.
"""

from openpyxl.worksheet import _read_only
from openpyxl.worksheet._reader import DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"


def _get_size(self: _read_only.ReadOnlyWorksheet) -> None:
    src = self._get_source()
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                bounds = SheetDimension.from_tree(element).boundaries
                self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return
            if element.tag == DATA_TAG:
                return
    finally:
        src.close()


def install() -> None:
    if getattr(_read_only.ReadOnlyWorksheet, "_get_size", None) is not None:
        _read_only.ReadOnlyWorksheet._get_size = _get_size
