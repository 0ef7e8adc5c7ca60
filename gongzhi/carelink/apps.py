from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarelinkConfig(AppConfig):
    name = "gongzhi.carelink"
    label = "carelink"
    verbose_name = _("关爱需求转服务")
