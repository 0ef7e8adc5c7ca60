"""The bridge between care and matching: a care need found on a visit that became a micro-wish or an errand.

`care` and `matching` are independent apps of one layer (.importlinter): neither imports the other. This app sits
on a layer of its own above both and owns the only row that names both sides, so the link is read both ways
without either app knowing the other (docs/care.md, "Needs become micro-wishes or errands").
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class NeedDemand(models.Model):
    """One care need handed to the matching flow as one demand (a need becomes at most one demand, and back)."""

    need = models.OneToOneField(
        "care.CareNeed", verbose_name=_("关爱需求"), on_delete=models.PROTECT, related_name="demand_link"
    )
    demand = models.OneToOneField(
        "matching.Demand", verbose_name=_("服务需求"), on_delete=models.PROTECT, related_name="care_link"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("转办人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("转办时间"), default=clock.now)

    class Meta:
        verbose_name = _("关爱需求转服务")
        verbose_name_plural = _("关爱需求转服务")
