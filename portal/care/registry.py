"""What processes and rule files may ask of the care app: BPMN service functions and the rule action
``send_message``. Imported at start-up (settings.LOTFLOW["REGISTRY_MODULES"])."""

from engine.api import Param, register_action, register_service
from portal.crm.models import Customer

from .milestones import MILESTONES, order_progress_send
from .outbox import queue_message
from .placeholders import KINDS


@register_service("care.order_progress")
def order_progress(*, order_id: int, milestone: str) -> str:
    """Tell the customer how their order goes (milestone: paid, prepared, delivery_date); once per milestone."""
    message = order_progress_send(order_id=order_id, milestone=milestone)
    return message.status if message else "already queued"


@register_service("care.message_send")
def message_send(*, customer_id: int, template: str, key: str, channel: str = "") -> str:
    """Queue a message of kind ``template`` to a customer; ``key`` makes it once only (with the kind)."""
    customer = Customer.objects.get(pk=customer_id)
    message = queue_message(customer, template, {}, dedupe_key=f"{template}:bpmn:{key}", channel=channel or None)
    return message.status if message else "already queued"


# The reminders rule set's facts ("due": a birthday, maintenance, an insurance expiry) may send
# the customer a message too; portal.crm.automation.reminders passes these decisions on
# (crm.events.reminder_decided) and triggers.py queues them.
register_action(
    "send_message",
    {
        "template": Param("text", description="the kind of message: " + ", ".join(KINDS)),
        "channel": Param("text", required=False, description="sms or email (default: the customer's)"),
    },
    "Send the customer a message from a template (once per thing coming due).",
    ("due",),
)

__all__ = ["MILESTONES", "message_send", "order_progress"]
