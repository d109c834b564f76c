"""The CRM side of the ``return_visit`` process: the visits planned after a delivery, each visit's
record, and the complaint a low score opens.

``return_visit_start`` is called when an order is delivered; the rest are the steps the
process's service tasks run (registered in ``portal.crm.processes.stock``): they take ids and
usernames and return small JSON-able values.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engine import api
from engine.api import EngineError, NotFound

from ..fsm import transition_apply
from ..models import Appointment, Complaint, MaintenancePlan, Order, ReturnVisit
from ..models.choices import AppointmentKind, ContactChannel, Severity
from .common import user_by_username, vehicle_labels

log = logging.getLogger(__name__)


def _local_iso(day: date, hour: int = 10) -> str:
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_default_timezone()).isoformat()


def return_visit_plan(*, delivered_at: datetime, next_service: date | None) -> list[list[str]]:
    """[kind, due date-time] of each visit: days after delivery, and days before the first service."""
    days = settings.LOTFLOW_RETURN_VISIT_DAYS
    delivered = timezone.localtime(delivered_at).date()
    plan = [
        [f"{days['first']} days after delivery", _local_iso(delivered + timedelta(days=days["first"]))],
        [f"{days['second']} days after delivery", _local_iso(delivered + timedelta(days=days["second"]))],
    ]
    if next_service is not None:
        plan.append(["before the first service", _local_iso(next_service - timedelta(days=days["before_service"]))])
    return plan


def return_visit_start(*, order_id: int, delivered_at: datetime | None = None) -> int | None:
    """Start ``return_visit`` for a delivered order; None while the process is not deployed."""
    order = Order.objects.select_related("customer", "vehicle").get(pk=order_id)
    plan = MaintenancePlan.objects.filter(vehicle_id=order.vehicle_id).first()
    data = {
        "store_id": order.store_id,
        "order_id": order.pk,
        "customer_id": order.customer_id,
        "vehicle_id": order.vehicle_id,
        "customer_name": order.customer.name,
        **vehicle_labels(order.vehicle),
        "visit_plan": return_visit_plan(
            delivered_at=delivered_at or timezone.now(), next_service=plan.next_service_date if plan else None
        ),
        "visit_no": 0,
        "low_score": settings.LOTFLOW_RETURN_VISIT_LOW_SCORE,
    }
    try:
        return api.start("return_visit", business_key=f"order:{order.pk}", data=data).instance_id
    except NotFound:
        log.warning("return_visit is not deployed: no return visits for order %s", order.pk)
        return None


def service_booking(*, customer_id: int, vehicle_id: int | None = None) -> str:
    """When the customer's next service appointment is booked, as an ISO moment that every page shows in its
    reader's language and time zone (Fri 20 Nov 2026 10:00, 2026年11月20日 周五 10:00); "—" when none is."""
    booked = Appointment.objects.filter(
        customer_id=customer_id, kind=AppointmentKind.SERVICE, at__gte=api.now()
    ).order_by("at")
    if vehicle_id is not None:
        booked = booked.filter(Q(vehicle_id=vehicle_id) | Q(vehicle__isnull=True))
    first = booked.first()
    if first is None:
        return "—"
    return timezone.localtime(first.at).isoformat(timespec="minutes")


def return_visit_open(*, order_id: int, kind: str, due: str) -> int:
    """The ReturnVisit record (status due) for one visit of the process; returns its id."""
    order = Order.objects.get(pk=order_id)
    visit = ReturnVisit.objects.create(
        customer_id=order.customer_id,
        vehicle_id=order.vehicle_id,
        store_id=order.store_id,
        kind=f"after_delivery: {kind}"[:40],
        due=datetime.fromisoformat(due).date(),
    )
    return visit.pk


@transaction.atomic
def return_visit_record(*, visit_id: int, score: int, notes: str, by: str) -> int:
    actor = user_by_username(by)
    visit = ReturnVisit.objects.select_for_update().get(pk=visit_id)
    transition_apply(
        visit,
        "record",
        actor=actor,
        extra={"satisfaction_score": score, "notes": notes, "done_by": actor, "done_at": api.now()},
    )
    return visit.pk


@transaction.atomic
def return_visit_escalate(*, visit_id: int, score: int, notes: str) -> int:
    """A low score at a return visit opens a complaint (and its process, where one is deployed);
    returns the complaint's id."""
    visit = ReturnVisit.objects.select_related("customer").get(pk=visit_id)
    complaint = Complaint.objects.create(
        customer_id=visit.customer_id,
        vehicle_id=visit.vehicle_id,
        store_id=visit.store_id,
        channel=ContactChannel.PHONE,
        category="return visit",
        severity=Severity.HIGH if score <= 1 else Severity.MEDIUM,
        description=f"Satisfaction {score}/5 at the return visit ({visit.kind}). {notes}".strip(),
    )
    try:
        with transaction.atomic():
            api.start(
                "complaint",
                business_key=f"complaint:{complaint.pk}",
                data={
                    "store_id": visit.store_id,
                    "complaint_id": complaint.pk,
                    "customer_id": visit.customer_id,
                    "customer_name": visit.customer.name,
                },
            )
    except EngineError as err:  # not deployed (or refused): the complaint record is still there to handle
        log.info("complaint %s: no complaint process started (%s)", complaint.pk, err)
    return complaint.pk
