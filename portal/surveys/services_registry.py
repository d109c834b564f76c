"""The service BPMN files may call to invite a customer (registered at start-up, settings.LOTFLOW's
REGISTRY_MODULES): ``surveys.invite`` with the reason and the record's id; returns the invitation's id or 0."""

from collections.abc import Callable

from engine.api import register_service

from . import services
from .models import Invitation, Reason


@register_service("surveys.invite")
def survey_invite(*, reason: str, record_id: int) -> int:
    """Invite the customer to a survey after a delivery (an order's id), a service (a service record's) or a
    closed complaint (its id); once per record. 0 when no questionnaire is in use for the reason."""
    makers: dict[str, Callable[[], Invitation | None]] = {
        Reason.DELIVERY: lambda: services.invite_after_delivery(order_id=record_id),
        Reason.SERVICE: lambda: services.invite_after_service(service_id=record_id),
        Reason.COMPLAINT: lambda: services.invite_after_complaint(complaint_id=record_id),
    }
    if reason not in makers:
        raise ValueError(f"unknown survey reason {reason!r}: one of {', '.join(makers)}")
    invitation = makers[reason]()
    return invitation.pk if invitation is not None else 0
