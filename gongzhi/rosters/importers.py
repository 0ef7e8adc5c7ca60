"""Reading roster workbooks: one streaming pass that validates every row, then a write pass in one transaction.

The workbook is parsed once (openpyxl read-only mode is the slow part: ~10 s per 100,000 rows). The validation
pass spills each row (its raw cells and its cleaned values) to a temporary file in chunks, so memory stays flat
and the write pass, which holds the database's write lock, only does lookups and bulk writes.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from django.core.files import File
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as L
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gongzhi.accounts import rules
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock, pii, pii_rotation
from gongzhi.core.chinese import name_keys
from gongzhi.core.errors import ValidationFailed
from gongzhi.people import validation
from gongzhi.people.models import Household, PartyMember, PartyOrganization, Resident, Tag
from gongzhi.rosters.columns import HOUSEHOLDS, PARTY_MEMBERS, RESIDENTS, Sheet, looks_like_header, match_headers
from gongzhi.rosters.models import RosterKind
from gongzhi.rosters.xlsx import install as _install_xlsx_fix

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

_install_xlsx_fix()

CHUNK = 1000
HEADER_SEARCH_ROWS = 10
TAG_SEPARATORS = re.compile(r"[、,，;；/\s]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

Progress = Callable[[str, int, int], None]  # (phase, done, total)


# ---------------------------------------------------------------------------------------------- opening the file


def open_workbook(source: str | Path | BinaryIO | File[Any]) -> Any:
    """A read-only workbook, or a clear message when the file is not a readable .xlsx."""
    head = b""
    if isinstance(source, str | Path):
        with open(source, "rb") as fh:
            head = fh.read(8)
    else:
        pos = source.tell()
        head = source.read(8)
        source.seek(pos)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed(_("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为 .xlsx”后再上传"), field="file")
    if not head.startswith(b"PK"):
        raise ValidationFailed(_("文件不是 Excel 工作簿（.xlsx），请下载模板填写后上传"), field="file")
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ValidationFailed(
            _("无法读取该 Excel 文件（文件可能已损坏）：%(why)s") % {"why": type(exc).__name__}, field="file"
        ) from exc


def _pick_sheets(wb: Any, kind: str) -> list[tuple[Sheet, Any]]:
    """The sheets to read for `kind`, in write order. A residents workbook may carry its households in a '户' sheet."""
    by_title = {ws.title.strip().lower(): ws for ws in wb.worksheets}

    def titled(sheet: Sheet) -> Any:
        return next((by_title[t] for t in sheet.titles if t in by_title), None)

    if kind == RosterKind.RESIDENTS:
        households = titled(HOUSEHOLDS)
        residents = titled(RESIDENTS) or next((ws for ws in wb.worksheets if ws is not households), None)
        if residents is None:
            raise ValidationFailed(_("工作簿中没有居民工作表"), field="file")
        picked = [(HOUSEHOLDS, households)] if households is not None else []
        return [*picked, (RESIDENTS, residents)]
    sheet = {RosterKind.HOUSEHOLDS: HOUSEHOLDS, RosterKind.PARTY_MEMBERS: PARTY_MEMBERS}[RosterKind(kind)]
    ws = titled(sheet) or (wb.worksheets[0] if wb.worksheets else None)
    if ws is None:
        raise ValidationFailed(_("工作簿中没有工作表"), field="file")
    return [(sheet, ws)]


@dataclass
class OpenSheet:
    spec: Sheet
    name: str
    header_row: int
    headers: list[str]
    columns: dict[str, int]
    rows: Iterator[tuple[Any, ...]]  # the data rows after the header, still streaming
    estimate: int  # data rows according to the sheet's dimension, 0 when the file does not say


def open_sheets(wb: Any, kind: str) -> list[OpenSheet]:
    """Check every sheet's header before any row is read, so a wrong file is refused as a whole."""
    opened = []
    for spec, ws in _pick_sheets(wb, kind):
        rows = ws.iter_rows(values_only=True)
        header_row = 0
        cells: tuple[Any, ...] = ()
        first_nonempty: tuple[int, tuple[Any, ...]] | None = None
        for number, row in enumerate(rows, start=1):
            if any(c not in (None, "") for c in row):
                first_nonempty = first_nonempty or (number, row)
                if looks_like_header(spec, row):
                    header_row, cells = number, row
                    break
            if number >= HEADER_SEARCH_ROWS:
                break
        if not header_row:
            if first_nonempty is None:
                raise ValidationFailed(
                    _("工作表“%(sheet)s”是空的，第一行应为表头：%(cols)s")
                    % {"sheet": ws.title, "cols": "、".join(c.header for c in spec.columns)},
                    field="file",
                )
            header_row, cells = first_nonempty
        while cells and cells[-1] in (None, ""):
            cells = cells[:-1]
        columns = match_headers(spec, cells, sheet_name=ws.title)
        max_row = getattr(ws, "max_row", None) or 0
        opened.append(
            OpenSheet(
                spec=spec,
                name=ws.title,
                header_row=header_row,
                headers=["" if c is None else str(c) for c in cells],
                columns=columns,
                rows=rows,
                estimate=max(0, max_row - header_row),
            )
        )
    return opened


def check_file(source: str | Path | BinaryIO, kind: str) -> None:
    """The quick part of validation, for the upload request: is it an xlsx with the right headers?"""
    wb = open_workbook(source)
    try:
        open_sheets(wb, kind)
    finally:
        wb.close()


# ---------------------------------------------------------------------------------------------- cell readers


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _code_text(value: Any, what: Any) -> str:
    """ID numbers and area codes longer than 15 digits cannot survive as Excel numbers."""
    if isinstance(value, float):
        raise ValidationFailed(
            _("%(what)s被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写") % {"what": what}
        )
    return _text(value).replace(" ", "")


def _date(value: Any, message: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        return dt.date.fromisoformat(text)  # the common case, and much faster than strptime
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise ValidationFailed(message)


def _limit(value: str, n: int, label: Any) -> str:
    if len(value) > n:
        raise ValidationFailed(_("%(label)s过长（最多 %(n)d 个字）") % {"label": label, "n": n})
    return value


def _required(value: str, label: Any) -> str:
    if not value:
        raise ValidationFailed(_("%(label)s不能为空") % {"label": label})
    return value


# ---------------------------------------------------------------------------------------------- validation


@dataclass
class Row:
    number: int  # the row number in Excel
    raw: tuple[Any, ...]
    clean: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    def fail(self, column: str, message: Any) -> None:
        text = str(message)
        self.errors.append(f"{column}：{text}" if column else text)


class Context:
    """What the validation and write passes share: the importer, their reach, and lookup caches."""

    def __init__(self, *, actor: User, kind: str) -> None:
        self.actor = actor
        self.kind = kind
        self.now = clock.now()
        self._areas: dict[str, Area | None] = {}
        self._orgs: dict[str, list[PartyOrganization]] = {}
        self._names: dict[str, tuple[str, str]] = {}
        self.tags = {t.name: t for t in Tag.objects.all()}
        # Households defined by the '户' sheet of the same workbook: number → area code (good rows only).
        self.file_households: dict[str, str] = {}
        self.file_households_bad: set[str] = set()

    def name_keys(self, name: str) -> tuple[str, str]:
        # Rosters repeat names a lot and pinyin conversion is the slowest per-row step.
        keys = self._names.get(name)
        if keys is None:
            if len(self._names) >= 200_000:
                self._names.clear()
            keys = self._names[name] = name_keys(name)
        return keys

    def allows(self, rule: str, code: str) -> bool:
        return rules.allows(self.actor, rule, code)

    def area(self, code: str) -> Area | None:
        if code not in self._areas:
            self._areas[code] = Area.objects.filter(code=code).first()
        return self._areas[code]

    def orgs_named(self, name: str) -> list[PartyOrganization]:
        if name not in self._orgs:
            self._orgs[name] = list(PartyOrganization.objects.filter(name=name).order_by("area_code", "id"))
        return self._orgs[name]


def _by_hash(model: Any, hashes: Any) -> Any:
    """Rows by ID-number hash. The unique index on the hash is partial (WHERE NOT hash = ''); SQLite only uses a
    partial index when the query repeats its condition word for word, and scans the whole table otherwise."""
    return model.objects.filter(~Q(id_number_hash=""), id_number_hash__in=list(hashes)).order_by()


def _areas_by_id(model: Any, cleans: list[dict[str, Any]]) -> dict[str, str]:
    """Current-key hash → area code of the stored row, finding rows a PII_KEY rotation has not reached yet too."""
    alias = {h: clean["id_hash"] for clean in cleans for h in pii.lookup_hashes(clean["id_number"])}
    return {alias[h]: code for h, code in _by_hash(model, alias).values_list("id_number_hash", "area_code")}


def _forbidden(code: str) -> str:
    return _("无权导入该区域（%(code)s）") % {"code": code}


class Kind:
    """How one sheet kind cleans, checks and writes its rows."""

    spec: Sheet
    key_label: Any

    def clean(self, ctx: Context, row: Row, cells: dict[str, Any]) -> None:
        raise NotImplementedError

    def check_chunk(self, ctx: Context, rows: list[Row]) -> None:
        """Checks that need the database, done for a chunk at a time."""

    def key(self, clean: dict[str, Any]) -> str:
        raise NotImplementedError

    def key_display(self, clean: dict[str, Any]) -> str:
        return ""

    def write_chunk(self, ctx: Context, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
        raise NotImplementedError


def _run(row: Row, label: Any, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ValidationFailed as exc:
        row.fail(str(label), exc.message)
        return None


_T = TypeVar("_T")


def _ok(value: _T | None) -> _T:
    """A value cleaned for a row without errors: `_run` gives None only together with an error on the row."""
    if value is None:
        raise AssertionError("a roster row without errors is missing a cleaned value")
    return value


class HouseholdKind(Kind):
    spec = HOUSEHOLDS

    def clean(self, ctx: Context, row: Row, cells: dict[str, Any]) -> None:
        c = self.spec.column
        number = _run(
            row, c("number").label, lambda: _limit(_required(_text(cells["number"]), L("户编号")), 40, L("户编号"))
        )
        code = _run(row, c("area_code").label, lambda: _code_text(cells["area_code"], L("微网格编码")))
        area = None
        if code is not None:
            area = _run(row, c("area_code").label, lambda: validation.clean_microgrid(code, {code: ctx.area(code)}))
        if area is not None and not ctx.allows(self.spec.rule, area.code):
            row.fail("", _forbidden(area.code))
        address = _run(
            row, c("address").label, lambda: _limit(_required(_text(cells["address"]), L("地址")), 200, L("地址"))
        )
        room = _run(row, c("room").label, lambda: _limit(_text(cells["room"]), 16, L("门牌号")))
        if not row.errors:
            area = _ok(area)
            row.clean = {"number": number, "area_id": area.pk, "area_code": area.code, "address": address, "room": room}

    def check_chunk(self, ctx: Context, rows: list[Row]) -> None:
        numbers = [r.clean["number"] for r in rows if r.clean]
        existing = dict(Household.objects.filter(number__in=numbers).values_list("number", "area_code"))
        for r in rows:
            if r.clean and r.clean["number"] in existing:
                code = existing[r.clean["number"]]
                if not ctx.allows(self.spec.rule, code):
                    r.fail(
                        "", _("户编号 %(n)s 已登记在您无权管理的区域，") % {"n": r.clean["number"]} + _forbidden(code)
                    )
                    r.clean = None

    def key(self, clean: dict[str, Any]) -> str:
        return str(clean["number"])

    def key_display(self, clean: dict[str, Any]) -> str:
        return _("户编号 %(n)s") % {"n": clean["number"]}

    def write_chunk(self, ctx: Context, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
        existing = {h.number: h for h in Household.objects.filter(number__in=[r["number"] for r in rows])}
        to_create, to_update = [], []
        unchanged = 0
        for r in rows:
            values = {"area_id": r["area_id"], "area_code": r["area_code"], "address": r["address"], "room": r["room"]}
            h = existing.get(r["number"])
            if h is None:
                to_create.append(Household(number=r["number"], created_at=ctx.now, updated_at=ctx.now, **values))
                continue
            if not ctx.allows(self.spec.rule, h.area_code):
                raise ValidationFailed(_forbidden(h.area_code), field="file")
            if _apply(h, values):
                h.updated_at = ctx.now
                to_update.append(h)
            else:
                unchanged += 1
        Household.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Household.objects.bulk_update(to_update, [*values, "updated_at"], batch_size=500)
        return len(to_create), len(to_update), unchanged


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _clean_person(row: Row, spec: Sheet, cells: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    c = spec.column
    name = _run(row, c("name").label, lambda: validation.clean_name(_text(cells["name"])))
    id_number = _run(
        row, c("id_number").label, lambda: pii.normalize_id_number(_code_text(cells["id_number"], L("身份证号")))
    )
    phone = _run(row, c("phone").label, lambda: pii.normalize_phone(t) if (t := _text(cells["phone"])) else "")
    return name, id_number, phone


class ResidentKind(Kind):
    spec = RESIDENTS

    def clean(self, ctx: Context, row: Row, cells: dict[str, Any]) -> None:
        c = self.spec.column
        number = _run(
            row, c("household_number").label, lambda: _required(_text(cells["household_number"]), L("户编号"))
        )
        name, id_number, phone = _clean_person(row, self.spec, cells)
        gender = birth = None
        if id_number:
            gender = _run(row, c("gender").label, lambda: validation.clean_gender(_text(cells["gender"]), id_number))
            birth = _run(
                row,
                c("birth_date").label,
                lambda: validation.clean_birth_date(
                    _date(cells["birth_date"], L("出生日期格式应为 YYYY-MM-DD")), id_number
                ),
            )
        relation = _run(row, c("relation").label, lambda: _limit(_text(cells["relation"]), 16, L("与户主关系")))
        tag_names = [t for t in TAG_SEPARATORS.split(_text(cells["tags"])) if t]
        unknown = [t for t in tag_names if t not in ctx.tags]
        if unknown:
            row.fail(
                c("tags").header,
                _("未知的居民标签：%(t)s（可用标签：%(all)s）")
                % {"t": "、".join(unknown), "all": "、".join(ctx.tags) or "—"},
            )
        if row.errors:
            return
        full, initials = ctx.name_keys(_ok(name))
        row.clean = {
            "household_number": number,
            "name": name,
            "name_pinyin": full,
            "name_initials": initials,
            "id_number": id_number,
            "id_hash": pii.lookup_hash(_ok(id_number)),
            "phone": phone,
            "gender": gender,
            "birth_date": birth,
            "relation": relation,
            "tags": sorted({ctx.tags[t].pk for t in tag_names}),
        }

    def check_chunk(self, ctx: Context, rows: list[Row]) -> None:
        live = [(r, r.clean) for r in rows if r.clean]
        wanted = {clean["household_number"] for _r, clean in live} - ctx.file_households.keys()
        in_db = dict(Household.objects.filter(number__in=wanted).values_list("number", "area_code"))
        residents = _areas_by_id(Resident, [clean for _r, clean in live])
        label = self.spec.column("household_number").header
        for r, clean in live:
            number = clean["household_number"]
            code = ctx.file_households.get(number) or in_db.get(number)
            if code is None:
                if number in ctx.file_households_bad:
                    r.fail(label, _("户编号 %(n)s 在“户”表中有错误，该户未能导入") % {"n": number})
                else:
                    r.fail(label, _("户编号 %(n)s 不存在（系统中和本文件的“户”表中都没有）") % {"n": number})
            elif not ctx.allows(self.spec.rule, code):
                r.fail("", _forbidden(code))
            current = residents.get(clean["id_hash"])
            if current is not None and not ctx.allows(self.spec.rule, current):
                r.fail("", _("该居民已登记在您无权管理的区域，") + _forbidden(current))
            if r.errors:
                r.clean = None

    def key(self, clean: dict[str, Any]) -> str:
        return str(clean["id_hash"])

    def key_display(self, clean: dict[str, Any]) -> str:
        return _("身份证号 %(n)s") % {"n": pii.mask_id_number(clean["id_number"])}

    def write_chunk(self, ctx: Context, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
        households = {
            n: (pk, area_id, code)
            for n, pk, area_id, code in Household.objects.filter(
                number__in={r["household_number"] for r in rows}
            ).values_list("number", "id", "area_id", "area_code")
        }
        # Rows still under the previous PII_KEY (a rotation under way) are brought to the current key first.
        pii_rotation.bring_forward(Resident, "id_number", [r["id_number"] for r in rows])
        existing = {r.id_number_hash: r for r in _by_hash(Resident, [r["id_hash"] for r in rows])}
        through = Resident.tags.through
        current_tags: dict[int, set[int]] = {}
        for resident_id, tag_id in through.objects.filter(
            resident_id__in=[r.pk for r in existing.values()]
        ).values_list("resident_id", "tag_id"):
            current_tags.setdefault(resident_id, set()).add(tag_id)
        to_create: list[tuple[Resident, list[int]]] = []
        to_update: list[Resident] = []
        retag: dict[int, list[int]] = {}
        unchanged = 0
        for r in rows:
            if r["household_number"] not in households:
                raise ValidationFailed(
                    _("户编号 %(n)s 在校验后被删除，请重新导入") % {"n": r["household_number"]}, field="file"
                )
            household_id, area_id, area_code = households[r["household_number"]]
            values = {
                "household_id": household_id,
                "area_id": area_id,
                "area_code": area_code,
                "name": r["name"],
                "name_pinyin": r["name_pinyin"],
                "name_initials": r["name_initials"],
                "gender": r["gender"],
                "birth_date": r["birth_date"],
                "relation": r["relation"],
            }
            resident = existing.get(r["id_hash"])
            if resident is None:
                resident = Resident(created_at=ctx.now, updated_at=ctx.now, **values)
                resident.set_id_number(r["id_number"])
                resident.set_phone(r["phone"])
                to_create.append((resident, r["tags"]))
                continue
            if not ctx.allows(self.spec.rule, resident.area_code):
                raise ValidationFailed(_forbidden(resident.area_code), field="file")
            changed = _apply(resident, values)
            if not pii.hash_matches(resident.phone_hash, r["phone"]):
                resident.set_phone(r["phone"])
                changed = True
            if changed:
                resident.updated_at = ctx.now
                to_update.append(resident)
            if set(r["tags"]) != current_tags.get(resident.pk, set()):
                retag[resident.pk] = r["tags"]
                changed = True
            unchanged += not changed
        created = Resident.objects.bulk_create([res for res, _tags in to_create], batch_size=500)
        if any(res.pk is None for res in created):
            # Backends that cannot return ids from a bulk insert: look them up by the unique hash.
            ids = dict(_by_hash(Resident, [res.id_number_hash for res in created]).values_list("id_number_hash", "id"))
            for res in created:
                res.pk = ids[res.id_number_hash]
        if to_update:
            Resident.objects.bulk_update(
                to_update, [*values, "phone_encrypted", "phone_hash", "updated_at"], batch_size=500
            )
        if retag:
            through.objects.filter(resident_id__in=list(retag)).delete()
        links = [through(resident_id=pk, tag_id=t) for pk, tags in retag.items() for t in tags]
        links += [through(resident_id=res.pk, tag_id=t) for res, tags in to_create for t in tags]
        through.objects.bulk_create(links, batch_size=1000)
        updated = len({res.pk for res in to_update} | set(retag))
        return len(to_create), updated, unchanged


class PartyMemberKind(Kind):
    spec = PARTY_MEMBERS

    def _organization(self, ctx: Context, name: str, area_code: str) -> PartyOrganization:
        candidates = ctx.orgs_named(name)
        if area_code and len(candidates) > 1:
            near = [o for o in candidates if area_code.startswith(o.area_code) or o.area_code.startswith(area_code)]
            candidates = near or candidates
        if not candidates:
            raise ValidationFailed(_("党组织“%(n)s”不存在") % {"n": name})
        if len(candidates) > 1:
            raise ValidationFailed(
                _("有多个名为“%(n)s”的党组织（%(codes)s），请填写报到社区编码以区分")
                % {"n": name, "codes": "、".join(o.area_code for o in candidates)}
            )
        return candidates[0]

    def clean(self, ctx: Context, row: Row, cells: dict[str, Any]) -> None:
        c = self.spec.column
        name, id_number, phone = _clean_person(row, self.spec, cells)
        kind = _run(row, c("kind").label, lambda: validation.clean_party_kind(_text(cells["kind"])))
        code = _run(row, c("area_code").label, lambda: _code_text(cells["area_code"], L("报到社区编码")))
        area = None
        if code:
            area = ctx.area(code)
            if area is None:
                row.fail(c("area_code").header, _("区域编码 %(c)s 不存在") % {"c": code})
            elif area.level in (AreaLevel.DISTRICT, AreaLevel.STREET):
                row.fail(
                    c("area_code").header,
                    _("报到社区编码应为社区或以下的区域，%(c)s 是%(l)s") % {"c": code, "l": area.get_level_display()},
                )
                area = None
        org_name = _run(row, c("organization").label, lambda: _required(_text(cells["organization"]), L("所在党组织")))
        org = None
        if org_name:
            org = _run(
                row, c("organization").label, lambda: self._organization(ctx, org_name, area.code if area else "")
            )
        workplace = _run(row, c("workplace").label, lambda: _limit(_text(cells["workplace"]), 100, L("工作单位")))
        joined = _run(row, c("joined_on").label, lambda: _date(cells["joined_on"], L("入党日期格式应为 YYYY-MM-DD")))
        if org is not None:
            member_area = area or org.area
            for scope_code in {member_area.code, org.area_code}:
                if not ctx.allows(self.spec.rule, scope_code):
                    row.fail("", _forbidden(scope_code))
        if joined is not None and joined > clock.today():
            row.fail(c("joined_on").header, _("入党日期不能晚于今天"))
        if row.errors:
            return
        org, name, id_number = _ok(org), _ok(name), _ok(id_number)
        member_area = area or org.area
        full, initials = ctx.name_keys(name)
        row.clean = {
            "organization_id": org.pk,
            "name": name,
            "name_pinyin": full,
            "name_initials": initials,
            "kind": kind,
            "area_id": member_area.pk,
            "area_code": member_area.code,
            "workplace": workplace,
            "joined_on": joined,
            "id_number": id_number,
            "id_hash": pii.lookup_hash(id_number),
            "phone": phone,
        }

    def check_chunk(self, ctx: Context, rows: list[Row]) -> None:
        live = [(r, r.clean) for r in rows if r.clean]
        members = _areas_by_id(PartyMember, [clean for _r, clean in live])
        for r, clean in live:
            current = members.get(clean["id_hash"])
            if current is not None and not ctx.allows(self.spec.rule, current):
                r.fail("", _("该党员已登记在您无权管理的区域，") + _forbidden(current))
                r.clean = None

    def key(self, clean: dict[str, Any]) -> str:
        return str(clean["id_hash"])

    def key_display(self, clean: dict[str, Any]) -> str:
        return _("身份证号 %(n)s") % {"n": pii.mask_id_number(clean["id_number"])}

    def write_chunk(self, ctx: Context, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
        hashes = [r["id_hash"] for r in rows]
        for model in (PartyMember, Resident):  # rows a PII_KEY rotation has not reached yet: to the current key
            pii_rotation.bring_forward(model, "id_number", [r["id_number"] for r in rows])
        existing = {m.id_number_hash: m for m in _by_hash(PartyMember, hashes)}
        residents = dict(_by_hash(Resident, hashes).values_list("id_number_hash", "id"))
        to_create, to_update = [], []
        unchanged = 0
        fields = ("organization_id", "name", "name_pinyin", "name_initials", "kind", "area_id", "area_code")
        for r in rows:
            values = {f: r[f] for f in fields}
            values |= {
                "workplace": r["workplace"],
                "joined_on": r["joined_on"],
                "resident_id": residents.get(r["id_hash"]),
            }
            member = existing.get(r["id_hash"])
            if member is None:
                # A roster row does not say whether the member shows their identity; new members start shown,
                # existing members keep what they chose.
                member = PartyMember(created_at=ctx.now, updated_at=ctx.now, shows_identity=True, **values)
                member.set_id_number(r["id_number"])
                member.set_phone(r["phone"])
                to_create.append(member)
                continue
            if not ctx.allows(self.spec.rule, member.area_code):
                raise ValidationFailed(_forbidden(member.area_code), field="file")
            changed = _apply(member, values)
            if not pii.hash_matches(member.phone_hash, r["phone"]):
                member.set_phone(r["phone"])
                changed = True
            if changed:
                member.updated_at = ctx.now
                to_update.append(member)
            else:
                unchanged += 1
        PartyMember.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            PartyMember.objects.bulk_update(
                to_update, [*values, "phone_encrypted", "phone_hash", "updated_at"], batch_size=500
            )
        return len(to_create), len(to_update), unchanged


KINDS: dict[str, Kind] = {
    RosterKind.HOUSEHOLDS: HouseholdKind(),
    RosterKind.RESIDENTS: ResidentKind(),
    RosterKind.PARTY_MEMBERS: PartyMemberKind(),
}


# ---------------------------------------------------------------------------------------------- the two passes


@dataclass
class SheetResult:
    name: str
    kind: str
    headers: list[str]
    rows: int = 0
    bad: dict[int, list[str]] = field(default_factory=dict)  # Excel row number → reasons


@dataclass
class Validation:
    """The outcome of the validation pass; `spill` holds every row for the write pass and the error workbook."""

    sheets: list[SheetResult]
    spill: Path

    @property
    def total_rows(self) -> int:
        return sum(s.rows for s in self.sheets)

    @property
    def error_count(self) -> int:
        return sum(len(s.bad) for s in self.sheets)

    def first_errors(self, limit: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for s in self.sheets:
            for number in sorted(s.bad):
                if len(out) >= limit:
                    return out
                out.append({"sheet": s.name, "row": number, "reason": "；".join(s.bad[number])})
        return out

    def chunks(self) -> Iterator[tuple[int, list[tuple[int, tuple[Any, ...], dict[str, Any] | None]]]]:
        with open(self.spill, "rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)  # noqa: S301 - our own temporary file, written just before
                except EOFError:
                    return

    def discard(self) -> None:
        self.spill.unlink(missing_ok=True)


def _batched(rows: Iterator[tuple[Any, ...]], start: int, size: int) -> Iterator[list[tuple[int, tuple[Any, ...]]]]:
    batch: list[tuple[int, tuple[Any, ...]]] = []
    for number, cells in enumerate(rows, start=start):
        if not any(c not in (None, "") and not (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank rows are common at the end of hand-made sheets
        batch.append((number, cells))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def validate(*, source: str | Path | BinaryIO | File[Any], kind: str, ctx: Context, progress: Progress) -> Validation:
    """Stream every row once: clean it, check it against the database and the importer's reach, spill it."""
    wb = open_workbook(source)
    spill = tempfile.NamedTemporaryFile(prefix="roster-", suffix=".spill", delete=False)  # noqa: SIM115
    results: list[SheetResult] = []
    try:
        sheets = open_sheets(wb, kind)
        estimate = sum(s.estimate for s in sheets)
        done = 0
        for index, sheet in enumerate(sheets):
            handler = KINDS[sheet.spec.kind]
            result = SheetResult(name=sheet.name, kind=sheet.spec.kind, headers=sheet.headers)
            results.append(result)
            first_row: dict[str, int] = {}
            repeats: dict[str, list[int]] = {}
            shown: dict[str, str] = {}
            for batch in _batched(sheet.rows, sheet.header_row + 1, CHUNK):
                rows = []
                for number, cells in batch:
                    row = Row(number=number, raw=cells)
                    values = {key: (cells[i] if i < len(cells) else None) for key, i in sheet.columns.items()}
                    handler.clean(ctx, row, values)
                    rows.append(row)
                handler.check_chunk(ctx, rows)
                for row in rows:
                    if row.errors:
                        result.bad[row.number] = row.errors
                        if sheet.spec.kind == RosterKind.HOUSEHOLDS:
                            at = sheet.columns["number"]
                            if household_number := _text(row.raw[at] if at < len(row.raw) else None):
                                ctx.file_households_bad.add(household_number)
                    if row.clean:
                        key = handler.key(row.clean)
                        if key in first_row:
                            repeats.setdefault(key, [first_row[key]]).append(row.number)
                            shown[key] = handler.key_display(row.clean)
                        else:
                            first_row[key] = row.number
                            if sheet.spec.kind == RosterKind.HOUSEHOLDS and not row.errors:
                                ctx.file_households[key] = row.clean["area_code"]
                pickle.dump(
                    (index, [(r.number, r.raw, r.clean if not r.errors else None) for r in rows]),
                    spill,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
                result.rows += len(rows)
                done += len(rows)
                progress("validating", done, estimate if estimate >= done else 0)  # 0: not known yet
            for key, numbers in repeats.items():
                listed = "、".join(str(n) for n in numbers)
                for number in numbers:
                    result.bad.setdefault(number, []).append(
                        _("%(what)s 在文件中重复（第 %(rows)s 行）") % {"what": shown[key], "rows": listed}
                    )
                    if sheet.spec.kind == RosterKind.HOUSEHOLDS:
                        ctx.file_households.pop(key, None)
                        ctx.file_households_bad.add(key)
        spill.close()
        return Validation(sheets=results, spill=Path(spill.name))
    except BaseException:
        spill.close()
        Path(spill.name).unlink(missing_ok=True)
        raise
    finally:
        wb.close()


def write(*, v: Validation, ctx: Context, progress: Progress) -> tuple[int, int, int]:
    """Upsert the good rows; the caller holds the transaction."""
    created = updated = unchanged = 0
    total = v.total_rows - v.error_count
    done = 0
    for index, rows in v.chunks():
        sheet = v.sheets[index]
        good = [clean for number, _raw, clean in rows if clean is not None and number not in sheet.bad]
        if not good:
            continue
        c, u, n = KINDS[sheet.kind].write_chunk(ctx, good)
        created, updated, unchanged = created + c, updated + u, unchanged + n
        done += len(good)
        progress("importing", done, total)
    return created, updated, unchanged
