"""The patrol ledger (巡查台账) as an Excel workbook: places, inspections and rectification orders of an area.

The same audit rules as the roster export: `inspections.export` at the area; contacts masked unless `unmasked`,
which needs `people.unmask` there; every export (and which kind) is written to the audit log.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core.audit import audit_record
from gongzhi.inspections import selectors
from gongzhi.inspections.models import Inspection, Place, Rectification
from gongzhi.rosters.exporters import file_response

BOLD = Font(bold=True)


def _header(sheet: Any, titles: list[str]) -> None:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = BOLD
        cells.append(cell)
    sheet.append(cells)


def _local(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def write_ledger(*, area: Area, unmasked: bool) -> tuple[Path, dict[str, int]]:
    book = Workbook(write_only=True)
    counts = {"places": 0, "inspections": 0, "rectifications": 0}
    places = book.create_sheet(_("场所"))
    _header(
        places,
        [
            _("编号"),
            _("场所名称"),
            _("场所类型"),
            _("微网格"),
            _("地址"),
            _("营业执照/许可证号"),
            _("联系人"),
            _("联系电话"),
            _("包保网格员"),
            _("在册"),
        ],
    )
    for p in (
        Place.objects.filter(code_range_q(area.code, "area_code"))
        .select_related("responsible")
        .order_by("area_code", "id")
        .iterator()
    ):
        places.append(
            [
                p.pk,
                p.name,
                str(p.get_kind_display()),
                p.area_code,
                p.address,
                p.licence_no,
                p.contact_name,
                p.phone_plain if unmasked else p.phone_masked,
                p.responsible.get_username() if p.responsible else "",
                _("是") if p.is_active else _("否"),
            ]
        )
        counts["places"] += 1
    sheet = book.create_sheet(_("巡查记录"))
    _header(
        sheet,
        [
            _("编号"),
            _("场所"),
            _("清单"),
            _("版本"),
            _("巡查人"),
            _("巡查时间"),
            _("不合格项数"),
            _("位置相符"),
            _("微网格"),
        ],
    )
    rows = Inspection.objects.filter(code_range_q(area.code, "area_code")).select_related(
        "place", "template", "inspector"
    )
    for i in rows.order_by("-done_at", "-id").iterator():
        sheet.append(
            [
                i.pk,
                i.place.name,
                i.template.name,
                i.template.version,
                i.inspector.get_username(),
                _local(i.done_at),
                i.failed,
                "" if i.location_ok is None else (_("是") if i.location_ok else _("否")),
                i.area_code,
            ]
        )
        counts["inspections"] += 1
    sheet = book.create_sheet(_("整改单"))
    _header(
        sheet,
        [
            _("编号"),
            _("场所"),
            _("委员会"),
            _("问题"),
            _("严重程度"),
            _("状态"),
            _("整改期限"),
            _("逾期"),
            _("办结时间"),
        ],
    )
    orders = Rectification.objects.filter(code_range_q(area.code, "area_code")).select_related("place")
    for r in orders.order_by("deadline", "id").iterator():
        sheet.append(
            [
                r.number,
                r.place.name,
                r.committee,
                r.text,
                str(r.get_severity_display()),
                str(r.get_state_display()),
                r.deadline,
                _("是") if selectors.is_overdue(r) else "",
                _local(r.closed_at),
            ]
        )
        counts["rectifications"] += 1
    out = tempfile.NamedTemporaryFile(prefix="inspections-export-", suffix=".xlsx", delete=False)  # noqa: SIM115
    out.close()
    book.save(out.name)
    return Path(out.name), counts


def ledger_export(
    *, actor: User, area: Area, unmasked: bool = False, request: HttpRequest | None = None
) -> tuple[Path, dict[str, int]]:
    """The workbook of `area` for `actor`, masked unless they may unmask (then it is audited as such)."""
    rules.require(actor, "inspections.export", area.code)
    if unmasked:
        rules.require(actor, "people.unmask", area.code)
    path, counts = write_ledger(area=area, unmasked=unmasked)
    audit_record(
        actor=actor,
        action="inspections.export_unmasked" if unmasked else "inspections.export",
        target=area,
        area_code=area.code,
        data=counts,
        request=request,
    )
    return path, counts


def response(*, actor: User, area: Area, unmasked: bool, request: HttpRequest | None) -> FileResponse:
    path, _counts = ledger_export(actor=actor, area=area, unmasked=unmasked, request=request)
    stamp = timezone.localdate().isoformat()
    return file_response(path, f"inspections-{area.code}-{stamp}.xlsx")
