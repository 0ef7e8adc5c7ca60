"""Writes to the area tree. Codes are never reused; boundaries are checked before they are stored."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gongzhi.areas.geometry import bump_boundary_version, geometry_from_geojson
from gongzhi.areas.models import CHILD_LEVEL, CODE_LENGTH, Area, AreaLevel
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from gongzhi.core.types import User

# Neighbouring boundaries drawn by hand overlap by a hair; below this share of the smaller area it is not overlap.
OVERLAP_TOLERANCE = 1e-6


def _check_code(*, code: str, level: str, parent: Area | None) -> None:
    expected = CODE_LENGTH.get(AreaLevel(level))
    if not code.isdigit() or len(code) != expected:
        raise ValidationFailed(
            _("%(level)s编码应为 %(n)d 位数字") % {"level": AreaLevel(level).label, "n": expected}, field="code"
        )
    if parent is None:
        if level != AreaLevel.DISTRICT:
            raise ValidationFailed(_("只有区可以没有上级区域"), field="parent")
        return
    if CHILD_LEVEL.get(AreaLevel(parent.level)) != level:
        raise ValidationFailed(
            _("%(parent)s下只能建立%(child)s")
            % {"parent": parent.get_level_display(), "child": CHILD_LEVEL[AreaLevel(parent.level)].label},
            field="level",
        )
    if not code.startswith(parent.code):
        raise ValidationFailed(_("编码必须以上级区域编码 %(code)s 开头") % {"code": parent.code}, field="code")


def validate_boundary(*, boundary: dict[str, Any], parent: Area | None, code: str) -> BaseGeometry:
    try:
        geom = geometry_from_geojson(boundary)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise ValidationFailed(_("边界不是有效的 GeoJSON：%(err)s") % {"err": exc}, field="boundary") from exc
    if geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValidationFailed(_("边界必须是多边形 (Polygon 或 MultiPolygon)"), field="boundary")
    if not geom.is_valid:
        raise ValidationFailed(
            _("边界多边形无效（例如自相交）：%(why)s") % {"why": explain_validity(geom)}, field="boundary"
        )
    if geom.is_empty or geom.area == 0:
        raise ValidationFailed(_("边界面积为零"), field="boundary")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationFailed(_("边界坐标超出经纬度范围，应为 [经度, 纬度] (WGS84)"), field="boundary")
    if parent is not None and parent.boundary:
        parent_geom = geometry_from_geojson(parent.boundary)
        outside = geom.difference(parent_geom).area
        if outside > OVERLAP_TOLERANCE * geom.area:
            raise ValidationFailed(_("边界超出上级区域 %(name)s 的范围") % {"name": parent.name}, field="boundary")
    siblings = Area.objects.filter(parent=parent).exclude(code=code).exclude(boundary__isnull=True)
    for sibling in siblings.only("code", "name", "boundary").iterator(500):
        if sibling.boundary is None:  # excluded by the query; the column is nullable
            continue
        other = geometry_from_geojson(sibling.boundary)
        if not geom.intersects(other):
            continue
        shared = geom.intersection(other).area
        if shared > OVERLAP_TOLERANCE * min(geom.area, other.area):
            raise ValidationFailed(
                _("边界与同级区域 %(name)s (%(code)s) 重叠") % {"name": sibling.name, "code": sibling.code},
                field="boundary",
            )
    return geom


def _apply_boundary(area: Area, geom: BaseGeometry, boundary: dict[str, Any]) -> None:
    area.boundary = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    point = geom.representative_point()
    area.point_lat, area.point_lng = round(point.y, 7), round(point.x, 7)


@transaction.atomic
def area_create(
    *,
    actor: User,
    code: str,
    name: str,
    level: str,
    parent: Area | None = None,
    boundary: dict[str, Any] | None = None,
) -> Area:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("名称不能为空"), field="name")
    if level not in AreaLevel.values:
        raise ValidationFailed(_("未知的区域层级：%(level)s") % {"level": level}, field="level")
    _check_code(code=code, level=level, parent=parent)
    if Area.objects.filter(code=code).exists():
        raise Conflict(_("区域编码 %(code)s 已被使用，编码不可重复使用") % {"code": code}, field="code")
    area = Area(code=code, name=name, level=level, parent=parent)
    if boundary is not None:
        geom = validate_boundary(boundary=boundary, parent=parent, code=code)
        _apply_boundary(area, geom, boundary)
    area.save()
    audit_record(actor=actor, action="area.create", target=area, area_code=code, data={"name": name})
    if boundary is not None:
        transaction.on_commit(bump_boundary_version)
    return area


@transaction.atomic
def area_set_boundary(*, actor: User, area: Area, boundary: dict[str, Any]) -> Area:
    area = Area.objects.select_for_update(of=("self",)).select_related("parent").get(pk=area.pk)
    geom = validate_boundary(boundary=boundary, parent=area.parent, code=area.code)
    _apply_boundary(area, geom, boundary)
    area.save(update_fields=["boundary", "point_lat", "point_lng"])
    audit_record(actor=actor, action="area.set_boundary", target=area, area_code=area.code)
    transaction.on_commit(bump_boundary_version)
    return area


@transaction.atomic
def area_rename(*, actor: User, area: Area, name: str) -> Area:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("名称不能为空"), field="name")
    old = area.name
    Area.objects.filter(pk=area.pk).update(name=name)
    area.name = name
    audit_record(actor=actor, action="area.rename", target=area, area_code=area.code, data={"from": old, "to": name})
    return area
