from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        # Connect the login-failure counter (user_login_failed) and the request id's reset (request_finished).
        from gongzhi.core import logs, metrics  # noqa: F401
