"""Receivers of the CRM's signals that queue messages. Nothing here sends: each queues once (its
dedupe key names the record) and a worker sends after the CRM's transaction commits.

- a test drive or service booked → its confirmation (``confirmations_queue`` also runs in the care
  sweep, so a booking made while this receiver failed is confirmed later, and only once);
- an order paid (the balance or the loan) → order_progress "paid";
- a reminder rule's ``send_message`` decision → the message it names.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone, translation

from engine import api
from portal.crm.events import reminder_decided
from portal.crm.fsm import status_changed
from portal.crm.models import Appointment, Order
from portal.crm.models.choices import AppointmentKind, OrderStatus

from .milestones import order_progress_send
from .models import Message
from .outbox import customer_language, queue_message

log = logging.getLogger(__name__)

CONFIRMATIONS = {
    AppointmentKind.TEST_DRIVE: "test_drive_confirmation",
    AppointmentKind.SERVICE: "service_booking_confirmation",
}


def appointment_confirm(appointment: Appointment) -> Message | None:
    key = CONFIRMATIONS.get(appointment.kind)  # type: ignore[call-overload]
    if key is None or appointment.at <= api.now():  # a visit recorded afterwards needs no confirmation
        return None
    local = timezone.localtime(appointment.at)
    vehicle = appointment.vehicle
    with translation.override(customer_language(appointment.customer)):  # 丰田 凯美瑞 / Toyota Camry
        car = (vehicle.name if vehicle else appointment.intended_model) or ""
    context = {"store_name": appointment.store.name, "car": car, "date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}"}
    return queue_message(appointment.customer, key, context, dedupe_key=f"{key}:appointment:{appointment.pk}")


def confirmations_queue(*, now: datetime | None = None, days: int = 7) -> int:
    """Confirm every test drive or service booked for the next ``days`` that has no confirmation yet
    (the booking's receiver failed, or the booking came in by a bulk write); safe to run again."""
    at = now or api.now()
    upcoming = list(
        Appointment.objects.filter(kind__in=list(CONFIRMATIONS), at__gt=at, at__lt=at + timedelta(days=days))
        .select_related("customer", "store", "vehicle")
        .order_by("pk")[:5000]
    )
    keys = {f"{CONFIRMATIONS[a.kind]}:appointment:{a.pk}": a for a in upcoming}  # type: ignore[index]
    done = set(Message.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True))
    return sum(1 for key, a in keys.items() if key not in done and appointment_confirm(a) is not None)


@receiver(post_save, sender=Appointment, dispatch_uid="care.appointment_booked")
def appointment_booked(sender: Any, instance: Appointment, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        appointment_confirm(instance)


@receiver(status_changed, sender=Order, dispatch_uid="care.order_progress")
def order_moved(sender: Any, instance: Order, new: str, **kwargs: Any) -> None:
    if new == OrderStatus.PAID:
        order_progress_send(order_id=instance.pk, milestone="paid")


@receiver(reminder_decided, dispatch_uid="care.reminder_message")
def reminder_message(sender: Any, action: str, params: dict[str, Any], thing: dict[str, Any], **kwargs: Any) -> None:
    customer = thing.get("customer")
    if action != "send_message" or customer is None:
        return
    template = str(params.get("template", ""))
    due = thing["due"]
    context = {"store_name": thing.get("store", ""), "car": thing.get("car", ""), "date": due.isoformat()}
    queue_message(
        customer,
        template,
        context,
        dedupe_key=f"{template}:{thing['kind']}:{thing['record']}:{due.isoformat()}",
        channel=params.get("channel") or None,
    )
