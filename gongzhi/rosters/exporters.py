"""Writing roster workbooks: blank templates, error workbooks and exports, all with the import's own headers."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from gongzhi.core import pii
from gongzhi.people.models import Household, PartyMember, Resident
from gongzhi.rosters.columns import HOUSEHOLDS, RESIDENTS, SHEETS, Sheet
from gongzhi.rosters.importers import Validation
from gongzhi.rosters.models import RosterKind

TEXT_COLUMNS = {"number", "area_code", "household_number", "id_number", "phone"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)
_ERROR_FILL = PatternFill("solid", fgColor="FDE2E1")


def _safe_title(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, "_")
    return name[:31] or "Sheet"


def template_workbook(kind: str) -> bytes:
    """A blank template with the fixed headers, a hint on each, and text format on code and ID columns."""
    wb = Workbook()
    sheets: list[Sheet] = [RESIDENTS, HOUSEHOLDS] if kind == RosterKind.RESIDENTS else [SHEETS[kind]]
    if wb.active is not None:  # a new workbook starts with one empty sheet
        wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(str(sheet.title))
        for index, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index, value=col.header)
            cell.font = _BOLD
            if col.hint:
                cell.comment = Comment(str(col.hint), "Gongzhi")
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = 22 if col.key in TEXT_COLUMNS else 14
            if col.key in TEXT_COLUMNS:
                # Long numbers typed into a General column lose their last digits; text keeps them.
                for row in range(2, 1002):
                    ws.cell(row=row, column=index).number_format = "@"
        ws.freeze_panes = "A2"
    if kind == RosterKind.RESIDENTS:
        wb["户"].sheet_properties.tabColor = "CCCCCC"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _writable(value: Any) -> Any:
    # Control characters can come back from a cell read and cannot be written again.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def write_error_workbook(v: Validation) -> Path:
    """Every bad row with its original cells, its Excel row number and the reasons, one sheet per source sheet."""
    wb = Workbook(write_only=True)
    sheets: dict[int, Any] = {}
    for index, s in enumerate(v.sheets):
        if not s.bad:
            continue
        ws = wb.create_sheet(_safe_title(s.name))
        header = []
        for text in [*s.headers, _("行号"), _("错误原因")]:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = _BOLD
            header.append(cell)
        ws.append(header)
        sheets[index] = ws
    for index, rows in v.chunks():
        s = v.sheets[index]
        if index not in sheets:
            continue
        width = len(s.headers)
        for number, raw, _clean in rows:
            reasons = s.bad.get(number)
            if reasons is None:
                continue
            cells = [_writable(c) for c in raw[:width]] + [None] * (width - len(raw))
            reason = WriteOnlyCell(sheets[index], value="；".join(reasons))
            reason.fill = _ERROR_FILL
            sheets[index].append([*cells, number, reason])
    out = tempfile.NamedTemporaryFile(prefix="roster-errors-", suffix=".xlsx", delete=False)  # noqa: SIM115
    out.close()
    wb.save(out.name)
    return Path(out.name)


def _id(obj: Any, unmasked: bool) -> tuple[str, str]:
    id_number, phone = pii.decrypt(obj.id_number_encrypted), pii.decrypt(obj.phone_encrypted)
    if unmasked:
        return id_number, phone
    return pii.mask_id_number(id_number), pii.mask_phone(phone)


def _household_rows(qs: QuerySet[Household], unmasked: bool) -> Iterator[list[Any]]:
    del unmasked  # households carry no personal numbers
    for h in qs.order_by("area_code", "number").iterator(chunk_size=2000):
        yield [h.number, h.area_code, h.address, h.room]


def _resident_rows(qs: QuerySet[Resident], unmasked: bool) -> Iterator[list[Any]]:
    rows = qs.select_related("household").prefetch_related("tags").order_by("area_code", "id")
    for r in rows.iterator(chunk_size=2000):
        id_number, phone = _id(r, unmasked)
        yield [
            r.household.number if r.household is not None else "",
            r.name,
            id_number,
            phone,
            str(r.get_gender_display()),
            r.birth_date,
            r.relation,
            "、".join(t.name for t in r.tags.all()),
        ]


def _party_rows(qs: QuerySet[PartyMember], unmasked: bool) -> Iterator[list[Any]]:
    for m in qs.select_related("organization").order_by("area_code", "id").iterator(chunk_size=2000):
        id_number, phone = _id(m, unmasked)
        yield [
            m.name,
            id_number,
            phone,
            str(m.get_kind_display()),
            m.organization.name,
            m.area_code,
            m.workplace,
            m.joined_on,
        ]


ROW_WRITERS: dict[str, Callable[[QuerySet[Any], bool], Iterator[list[Any]]]] = {
    RosterKind.HOUSEHOLDS: _household_rows,
    RosterKind.RESIDENTS: _resident_rows,
    RosterKind.PARTY_MEMBERS: _party_rows,
}


def write_export(kind: str, qs: QuerySet[Any], *, unmasked: bool) -> tuple[Path, int]:
    """Stream the rows into a write-only workbook on disk; returns its path and the number of rows."""
    sheet = SHEETS[kind]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(sheet.title))
    header = []
    for col in sheet.columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font = _BOLD
        header.append(cell)
    ws.append(header)
    count = 0
    rows: Iterable[list[Any]] = ROW_WRITERS[kind](qs, unmasked)
    for row in rows:
        ws.append(row)
        count += 1
    out = tempfile.NamedTemporaryFile(prefix="roster-export-", suffix=".xlsx", delete=False)  # noqa: SIM115
    out.close()
    wb.save(out.name)
    return Path(out.name), count


class _TemporaryFile(io.FileIO):
    """Removes itself from disk once the response has sent it."""

    def close(self) -> None:
        super().close()
        Path(str(self.name)).unlink(missing_ok=True)


def file_response(path: Path, filename: str) -> FileResponse:
    """Send a workbook written to a temporary file, and remove the file afterwards."""
    return FileResponse(_TemporaryFile(path, "rb"), as_attachment=True, filename=filename, content_type=XLSX_MIME)
