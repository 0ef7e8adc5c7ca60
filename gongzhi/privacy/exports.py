"""The resident's copy of their own data as a download: JSON (everything, nested) or XLSX (one sheet per part).

`data_export` is the write behind the page's and the API's download: it reads `selectors.my_data`, writes the
audit row `privacy.export` (the copy carries the ID and phone numbers in full) and returns the bytes. Nothing is
stored: the file is built in memory for the one response, so there is nothing for retention to delete.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.privacy import selectors

if TYPE_CHECKING:
    from django.http import HttpRequest

    from gongzhi.accounts.models import User

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_MIME = "application/json; charset=utf-8"
FORMATS = ("json", "xlsx")


def filename(user: User, fmt: str) -> str:
    return f"gongzhi-my-data-{user.pk}-{clock.today():%Y%m%d}.{fmt}"


@transaction.atomic
def data_export(*, actor: User, fmt: str, request: HttpRequest | None = None) -> tuple[bytes, str]:
    """The signed-in user's data as (bytes, content type); audited."""
    if fmt not in FORMATS:
        raise ValidationFailed(_("下载格式只能是 json 或 xlsx"), field="format", details={"allowed": list(FORMATS)})
    data = selectors.my_data(actor)
    audit_record(
        actor=actor,
        action="privacy.export",
        target=actor,
        area_code=actor.resident.area_code if actor.resident is not None else "",
        data={"format": fmt, "appeals": len(data["appeals"])},
        request=request,
    )
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode(), JSON_MIME
    return workbook(data), XLSX_MIME


def _cell(value: Any) -> Any:
    """A safe cell: nested values as JSON text, control characters removed, no formula (a leading = + - @)."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@"):
            value = "'" + value
    return value


def _sheet(wb: Workbook, title: str, rows: list[dict[str, Any]]) -> None:
    ws = wb.create_sheet(title[:31])
    headers: list[str] = []
    for row in rows:
        headers += [k for k in row if k not in headers]
    ws.append(headers or [_("（无）")])
    for row in rows:
        ws.append([_cell(row.get(h)) for h in headers])


def workbook(data: dict[str, Any]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]  # openpyxl types `active` as possibly None; a new book has one
    profile = dict(data["profile"])
    resident = profile.pop("resident") or {}
    household = resident.pop("household", None) or {}
    facts = [{"item": k, "value": v} for k, v in profile.items()]
    facts += [{"item": f"resident.{k}", "value": v} for k, v in resident.items()]
    facts += [{"item": f"household.{k}", "value": v} for k, v in household.items()]
    _sheet(wb, _("个人档案"), facts)
    appeals = data["appeals"]
    _sheet(wb, _("诉求"), [{k: v for k, v in a.items() if k != "timeline"} for a in appeals])
    _sheet(wb, _("诉求进展"), [{"number": a["number"], **e} for a in appeals for e in a["timeline"]])
    points = data["points"] or {}
    _sheet(wb, _("积分流水"), points.get("passbook", []))
    _sheet(wb, _("积分兑换"), points.get("orders", []))
    volunteering = data["volunteering"] or {}
    _sheet(wb, _("志愿服务"), volunteering.get("services", []))
    _sheet(wb, _("志愿报名"), volunteering.get("signups", []))
    _sheet(wb, _("更正申请"), data["corrections"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
