from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "gongzhi.matching"
    label = "matching"
    verbose_name = _("服务对接")
