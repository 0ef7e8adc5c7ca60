from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "gongzhi.rosters"
    label = "rosters"
    verbose_name = _("花名册导入导出")
