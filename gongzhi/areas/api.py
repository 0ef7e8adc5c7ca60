from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from gongzhi.areas import selectors
from gongzhi.areas.codes import parent_code
from gongzhi.areas.geometry import resolve_point
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core.errors import NotFound

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    level: AreaLevel
    level_label: str
    parent_code: str | None
    point: list[float] | None = Field(None, description="[lat, lng] of a point inside the boundary")
    boundary: dict[str, Any] | None = None

    @staticmethod
    def build(area: Area, *, with_boundary: bool) -> "AreaOut":
        return AreaOut(
            code=area.code,
            name=area.name,
            level=AreaLevel(area.level),
            level_label=str(area.get_level_display()),
            parent_code=parent_code(area.code) if area.parent_id else None,
            point=[area.point_lat, area.point_lng]
            if area.point_lat is not None and area.point_lng is not None
            else None,
            boundary=area.boundary if with_boundary else None,
        )


class AreaPage(Schema):
    count: int
    items: list[AreaOut]


class AreaDetail(AreaOut):
    ancestors: list[AreaOut]
    children_count: int


class ResolveOut(Schema):
    code: str
    name: str
    level: AreaLevel
    is_microgrid: bool
    ancestors: list[AreaOut]


class AreaFilters(Schema):
    level: AreaLevel | None = None
    parent: str | None = Field(None, description="code of the parent area", pattern=r"^\d{6,17}$")
    boundary: bool = Field(False, description="include GeoJSON boundaries")
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0, le=1_000_000_000)


@router.get("", response=AreaPage, summary="List areas by level and parent")
def list_areas(request: HttpRequest, filters: Query[AreaFilters]) -> AreaPage:
    parent = selectors.area_get(code=filters.parent) if filters.parent else None
    qs = selectors.areas_list(level=filters.level, parent=parent)
    count = qs.count()
    if not filters.boundary:
        qs = qs.defer("boundary")
    rows = qs[filters.offset : filters.offset + filters.limit]
    return AreaPage(count=count, items=[AreaOut.build(a, with_boundary=filters.boundary) for a in rows])


class ResolveQuery(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)


@router.get("/resolve", response=ResolveOut, summary="Resolve a point to its micro-grid (or smallest containing area)")
def resolve(request: HttpRequest, q: Query[ResolveQuery]) -> ResolveOut:
    code = resolve_point(q.lat, q.lng)
    if code is None:
        raise NotFound(_("该位置不在任何已登记区域内"), field="lat")
    area = selectors.area_get(code=code)
    return ResolveOut(
        code=area.code,
        name=area.name,
        level=AreaLevel(area.level),
        is_microgrid=area.level == AreaLevel.MICROGRID,
        ancestors=[AreaOut.build(a, with_boundary=False) for a in selectors.area_ancestors(area=area)[:-1]],
    )


@router.get("/{code}", response=AreaDetail, summary="One area with its boundary and a point inside it")
def get_area(request: HttpRequest, code: str) -> AreaDetail:
    area = selectors.area_get(code=code)
    base = AreaOut.build(area, with_boundary=True)
    return AreaDetail(
        **base.dict(),
        ancestors=[AreaOut.build(a, with_boundary=False) for a in selectors.area_ancestors(area=area)[:-1]],
        children_count=area.children.count(),
    )
