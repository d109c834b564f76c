from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "portal.crm"
    label = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from . import (
            grants,  # noqa: F401 - connects the signals that keep the engine's grants cache true
            search,  # noqa: F401 - connects the signals that keep the search index in step
        )
