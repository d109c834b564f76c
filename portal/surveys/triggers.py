"""What invites a customer: the CRM's events for a delivered order, a service record and a closed complaint.

``settings.LOTFLOW_SURVEY_AFTER`` names the reasons that invite (all three by default). An invitation is made
in the event's transaction, under a savepoint: a survey that cannot be made is logged and never undoes the
delivery, the service or the closure.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

from portal.crm.fsm import status_changed
from portal.crm.models import Complaint, Order, ServiceRecord
from portal.crm.models.choices import ComplaintStatus, OrderStatus

from . import services
from .models import Reason

log = logging.getLogger(__name__)


def _invite(reason: str, make: Callable[..., Any], **ids: int) -> None:
    if reason not in settings.LOTFLOW_SURVEY_AFTER:
        return
    try:
        with transaction.atomic():
            make(**ids)
    except Exception:
        log.exception("no survey invitation after %s %s", reason, ids)


def on_status_changed(sender: Any, instance: Any, old: str, new: str, **kwargs: Any) -> None:
    if sender is Order and new == OrderStatus.DELIVERED:
        _invite(Reason.DELIVERY, services.invite_after_delivery, order_id=instance.pk)
    elif sender is Complaint and new == ComplaintStatus.CLOSED:
        _invite(Reason.COMPLAINT, services.invite_after_complaint, complaint_id=instance.pk)


def on_service_saved(sender: Any, instance: ServiceRecord, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        _invite(Reason.SERVICE, services.invite_after_service, service_id=instance.pk)


def connect() -> None:
    status_changed.connect(on_status_changed, dispatch_uid="surveys.status_changed")
    post_save.connect(on_service_saved, sender=ServiceRecord, dispatch_uid="surveys.service_saved")
