"""Reads of the area tree."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound

# ';' sorts right after '9', so [code, code + ';') is exactly the codes that start with `code`.
_AFTER_DIGITS = ";"


def code_range_q(code: str, field: str = "code") -> Q:
    """Rows whose `field` lies in the subtree of `code`, as an index range scan on both databases."""
    return Q(**{f"{field}__gte": code, f"{field}__lt": code + _AFTER_DIGITS})


def area_get(*, code: str) -> Area:
    area = Area.objects.filter(code=code).select_related("parent").first()
    if area is None:
        raise NotFound(_("区域编码 %(code)s 不存在") % {"code": code}, field="code")
    return area


def area_subtree(*, area: Area) -> QuerySet[Area]:
    return Area.objects.filter(code_range_q(area.code))


def area_children(*, area: Area | None) -> QuerySet[Area]:
    if area is None:
        return Area.objects.filter(parent__isnull=True)
    return Area.objects.filter(parent=area)


def areas_list(
    *, level: str | None = None, parent: Area | None = None, within: list[str] | None = None
) -> QuerySet[Area]:
    qs = Area.objects.all()
    if parent is not None:
        qs = qs.filter(parent=parent)
    if level:
        qs = qs.filter(level=level)
    if within is not None:
        scope = Q(pk__in=[])
        for code in within:
            scope |= code_range_q(code)
        qs = qs.filter(scope)
    return qs.order_by("code")


def area_ancestors(*, area: Area) -> list[Area]:
    codes = area.ancestor_codes()
    found = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]
