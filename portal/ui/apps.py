from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    name = "portal.ui"
    label = "ui"
    verbose_name = _("Display formats")

    def ready(self) -> None:
        # Connects the sign-in receiver that copies a staff member's saved language into the session.
        from portal import i18n  # noqa: F401
