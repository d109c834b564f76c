"""An order's milestones, as the order_progress message names them (in the customer's language)."""

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.crm.models import Order

from .models import Message
from .outbox import customer_language, queue_message

# Each may name %(date)s, the order's delivery date.
MILESTONES = {
    "paid": _("your payment is complete (or your loan is approved)"),
    "prepared": _("your car is prepared"),
    "delivery_date": _("your car will be delivered on %(date)s"),
}


def order_progress_send(*, order_id: int, milestone: str) -> Message | None:
    """Queue the order_progress message for one milestone of an order, once."""
    if milestone not in MILESTONES:
        raise ValueError(f"unknown milestone {milestone!r}; one of {', '.join(MILESTONES)}")
    order = Order.objects.select_related("customer", "store").get(pk=order_id)
    language = customer_language(order.customer)
    with translation.override(language):
        context: dict[str, Any] = {
            "store_name": order.store.name,
            "order_number": str(order.pk),
            "date": timezone.localtime(order.delivery_at).strftime("%Y-%m-%d") if order.delivery_at else "",
        }
        context["milestone"] = str(MILESTONES[milestone]) % {"date": context["date"] or "-"}
    return queue_message(order.customer, "order_progress", context, dedupe_key=f"order_progress:{order.pk}:{milestone}")
