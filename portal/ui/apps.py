from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class UiConfig(AppConfig):
    name = "portal.ui"
    label = "ui"
    verbose_name = _("Display formats")

    def ready(self) -> None:
        # Connects the sign-in receiver that copies a staff member's saved language into the session.
        from portal import i18n  # noqa: F401


# Django's forms end each label with gettext(":"). Chinese writes the full-width colon (：), which Django's
# own zh_Hans catalog does not give; marked here so that the project's catalog, which comes first, does.
LABEL_SUFFIX = gettext_noop(":")
