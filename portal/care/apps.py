from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "portal.care"
    label = "care"
    verbose_name = _("Customer care")

    def ready(self) -> None:
        from portal.crm.services.data_keys import sealed_model_register

        from . import hooks
        from .models import Message

        hooks.connect()
        # The message log's sealed fields move to a new data key with the rest (manage.py rotate_data_key).
        sealed_model_register(Message, ["recipient", "subject", "body", "params"])
