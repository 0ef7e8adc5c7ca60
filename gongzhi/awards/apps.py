from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "gongzhi.awards"
    label = "awards"
    verbose_name = _("评选表彰")
