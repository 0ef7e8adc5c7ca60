import itertools

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas import codes


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    MICROGRID = "microgrid", _("微网格")


# Length of the code at each level: 6-digit county + 3 street + 3 community + 3 grid + 2 micro-grid (areas/codes.py
# keeps the table and the helpers that cut codes at their levels).
CODE_LENGTH: dict[AreaLevel, int] = {level: codes.LEVEL_LENGTHS[level] for level in AreaLevel}
LEVEL_ORDER = [AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID, AreaLevel.MICROGRID]
CHILD_LEVEL = dict(itertools.pairwise(LEVEL_ORDER))


class Area(models.Model):
    """A node of the district → street → community → grid → micro-grid tree.

    The code is hierarchical (a child's code starts with its parent's), so a subtree is a prefix range on one
    indexed column: no recursive query at any size.
    """

    code = models.CharField(_("区域编码"), max_length=17, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=AreaLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)
    # A point guaranteed inside the boundary (shapely's representative_point), for pins and labels.
    point_lat = models.FloatField(_("代表点纬度"), null=True, blank=True)
    point_lng = models.FloatField(_("代表点经度"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"], name="area_parent_code")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="district", code__regex=r"^[0-9]{6}$")
                | models.Q(level="street", code__regex=r"^[0-9]{9}$")
                | models.Q(level="community", code__regex=r"^[0-9]{12}$")
                | models.Q(level="grid", code__regex=r"^[0-9]{15}$")
                | models.Q(level="microgrid", code__regex=r"^[0-9]{17}$"),
                name="area_code_matches_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def display_code(self) -> str:
        return " ".join(codes.code_parts(self.code))

    def is_within(self, other: "Area") -> bool:
        """True when self is other or lies below it."""
        return self.code.startswith(other.code)

    def ancestor_codes(self) -> list[str]:
        return codes.ancestor_codes(self.code)
