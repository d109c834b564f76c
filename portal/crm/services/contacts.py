"""Communications (and taking a prospect from the pool with the first one), follow-up plans, appointments."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from engine import api

from .. import history
from ..automation.limits import pool_take_refusal
from ..automation.scoring import score_customers
from ..errors import Conflict, NotPermitted, NotVisible
from ..models import (
    Appointment,
    AppointmentKind,
    Communication,
    Customer,
    FollowUpPlan,
    Role,
    Stage,
    Vehicle,
    VehicleStatus,
)
from ..scopes import (
    can_book_service,
    can_manage_customer,
    can_take_from_pool,
    customers_visible_to,
    follow_ups_visible_to,
    scope_of,
    vehicles_visible_to,
)
from .common import clean_or_raise, visible_or_raise


@dataclass(frozen=True)
class ContactResult:
    communication: Communication
    took_from_pool: bool  # this contact made the author the owner

    @property
    def message(self) -> str:
        if self.took_from_pool:
            return _("Contact recorded; %(customer)s is now yours.") % {"customer": self.communication.customer}
        return _("Contact recorded.")


def taken_meanwhile(content: str) -> str:
    """What the author of a first contact is told when a colleague took the prospect first.

    Their note is not written on a record they may no longer see; it comes back to them whole, and the
    colleague is not named (the prospect is theirs now, and so is who works it).
    """
    return _(
        "A colleague contacted this prospect first and it is no longer in the pool; your note was not saved. "
        "Here it is, to keep: %(note)s"
    ) % {"note": content}


@transaction.atomic
def communication_record(
    *,
    customer_id: int,
    by: Any,
    channel: str,
    content: str,
    outcome: str,
    at: datetime | None = None,
    from_pool: bool = False,
) -> ContactResult:
    """Log a contact. On a pool prospect, a salesperson of its store becomes its owner at once.

    Only a customer the author may see is written on. ``from_pool`` says the author was looking at the
    prospect in the pool: if a colleague took it in between (before this request, or in a race with it),
    nothing is written and ``Conflict`` says so with the note's text, so it is not lost.
    """
    customer = customers_visible_to(by).filter(pk=customer_id).first()
    if customer is None:
        if from_pool and _was_in_my_pool(by, customer_id):
            raise Conflict(taken_meanwhile(content))
        raise NotVisible(_("Customer %(id)s does not exist.") % {"id": customer_id})
    at = at or timezone.now()
    note = Communication(customer=customer, author=by, channel=channel, content=content, outcome=outcome, at=at)
    clean_or_raise(note, exclude=["customer", "author", "lost_claim_to"])
    took = False
    if customer.owner_id is None and can_take_from_pool(by, customer):
        refusal = pool_take_refusal(by, customer, now=at)
        if refusal:
            raise NotPermitted(refusal)
        # Two first contacts at once: this UPDATE matches only while owner IS NULL, so exactly
        # one writer becomes the owner; on PostgreSQL the second waits for the first's row
        # lock, re-checks the WHERE clause and updates nothing, and is refused below.
        took = Customer.objects.filter(pk=customer.pk, owner__isnull=True).update(owner=by, pooled_at=None) == 1
        if not took:
            raise Conflict(taken_meanwhile(content))
        history.record_change(customer, "owner", None, by, actor=by, note=gettext_noop("first contact from the pool"))
        customer.owner = by
    note.save()
    # Keeps the latest contact time even if an older contact is logged after a newer one.
    Customer.objects.filter(pk=customer.pk).filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=at)).update(
        last_contact_at=at
    )
    score_customers([customer.pk])  # recent contacts count in the score
    return ContactResult(note, took)


def _was_in_my_pool(by: Any, customer_id: int) -> bool:
    """A prospect of a store where ``by`` sells, now owned by someone else: a pool page read before it was taken.

    Answers only yes or no, so a refusal says no more than the pool page showed.
    """
    candidate = Customer.objects.filter(pk=customer_id, stage=Stage.PROSPECT, owner__isnull=False).first()
    return candidate is not None and scope_of(by).holds_in(candidate.home_store_id, Role.SALES)


@transaction.atomic
def follow_up_plan_create(
    *,
    customer_id: int,
    by: Any,
    due_at: datetime,
    method: str,
    purpose: str,
    appointment: Appointment | None = None,
) -> FollowUpPlan:
    customer = visible_or_raise(customers_visible_to(by), customer_id, "customer")
    if not can_manage_customer(by, customer):
        raise NotPermitted(_("Only the owner or the store manager plans follow-ups for this customer."))
    owner = customer.owner or by
    plan = FollowUpPlan(
        customer=customer, owner=owner, due_at=due_at, method=method, purpose=purpose, appointment=appointment
    )
    clean_or_raise(plan, exclude=["customer", "owner", "appointment"])
    plan.save()
    return plan


@transaction.atomic
def follow_up_plan_done(*, plan_id: int, by: Any) -> FollowUpPlan:
    plan = visible_or_raise(follow_ups_visible_to(by).select_related("customer"), plan_id, "follow-up plan")
    if plan.owner_id != by.pk and not can_manage_customer(by, plan.customer):
        raise NotPermitted(_("Only the plan's owner or the store manager can mark it done."))
    if plan.done:
        raise ValidationError({"done": _("This follow-up is already done.")})
    plan.done, plan.done_at = True, timezone.now()
    plan.save(update_fields=["done", "done_at"])
    return plan


@transaction.atomic
def appointment_book(
    *,
    customer_id: int,
    by: Any,
    kind: str,
    at: datetime,
    vehicle_id: int | None = None,
    intended_model: str = "",
    intended_configuration: str = "",
) -> Appointment:
    """Book a visit, test drive or service. A test drive also plans the owner's follow-up after it."""
    customer = visible_or_raise(customers_visible_to(by), customer_id, "customer")
    permitted = can_book_service if kind == AppointmentKind.SERVICE else can_manage_customer
    if not permitted(by, customer):
        raise NotPermitted(_("Only the owner or the store manager books appointments for this customer."))
    vehicle: Vehicle | None = None
    if vehicle_id is not None:
        vehicle = visible_or_raise(vehicles_visible_to(by), vehicle_id, "vehicle")
    _check_booking(customer, kind=kind, at=at, vehicle=vehicle)
    appointment = Appointment(
        customer=customer,
        store=customer.home_store,
        kind=kind,
        at=at,
        vehicle=vehicle,
        intended_model=intended_model,
        intended_configuration=intended_configuration,
        created_by=by,
        booked_at=api.now(),
    )
    clean_or_raise(appointment, exclude=["customer", "store", "vehicle", "created_by"])
    appointment.save()
    if kind == AppointmentKind.TEST_DRIVE:
        owner = customer.owner or by
        # Written once, in the language of the person whose plan it is (their saved one, else the group's).
        with translation.override(getattr(getattr(owner, "staff", None), "language", "") or settings.LANGUAGE_CODE):
            purpose = _("Ask about the test drive of %(car)s") % {"car": vehicle.name if vehicle else intended_model}
        FollowUpPlan.objects.create(
            customer=customer,
            owner=owner,
            due_at=at + timedelta(days=1),
            method="phone",
            purpose=purpose,
            appointment=appointment,
        )
    return appointment


def _check_booking(customer: Customer, *, kind: str, at: datetime, vehicle: Vehicle | None) -> None:
    """Refuse, field by field, a booking in the past or on a car that cannot be shown or serviced."""
    problems: dict[str, str] = {}
    if at < api.now():
        problems["at"] = _("The appointment time has passed; choose a time from now on.")
    if vehicle is not None:
        if kind == AppointmentKind.SERVICE and vehicle.customer_id != customer.pk:
            problems["vehicle_id"] = _("%(car)s is not this customer's car.") % {"car": vehicle.name}
        elif kind != AppointmentKind.SERVICE and vehicle.status != VehicleStatus.IN_STOCK:
            problems["vehicle_id"] = _("%(car)s is %(status)s; choose a car in stock.") % {
                "car": vehicle.name,
                "status": vehicle.get_status_display(),
            }
    if problems:
        raise ValidationError(problems)


def booking_cars(by: Any, customer: Customer) -> QuerySet[Vehicle]:
    """The cars a booking for ``customer`` may name: the store's stock, and the customer's own cars."""
    return (
        vehicles_visible_to(by)
        .filter(Q(store_id=customer.home_store_id, status=VehicleStatus.IN_STOCK) | Q(customer=customer))
        .order_by("brand", "model", "year", "pk")
    )


# The contact form's booking fields, by the appointment's field names.
BOOKING_FIELDS = {"at": "book_at", "vehicle_id": "book_vehicle", "kind": "book_kind"}


@transaction.atomic
def contact_record(
    *,
    customer_id: int,
    by: Any,
    channel: str,
    content: str,
    outcome: str,
    from_pool: bool = False,
    book_kind: str = "",
    book_at: datetime | None = None,
    book_vehicle: int | None = None,
) -> tuple[ContactResult, Appointment | None]:
    """Log a contact and, when it agreed a time, book the visit or test drive in the same transaction.

    A refused booking (in the past, a car not in stock) refuses the contact too: nothing is half
    saved. Its errors name the contact form's fields (``book_at``, ``book_vehicle``).
    """
    result = communication_record(
        customer_id=customer_id, by=by, channel=channel, content=content, outcome=outcome, from_pool=from_pool
    )
    if book_at is None:
        return result, None
    try:
        appointment = appointment_book(
            customer_id=customer_id,
            by=by,
            kind=book_kind or AppointmentKind.TEST_DRIVE,
            at=book_at,
            vehicle_id=book_vehicle,
        )
    except ValidationError as err:
        if not hasattr(err, "error_dict"):
            raise
        raise ValidationError(
            {BOOKING_FIELDS.get(name, name): errors for name, errors in err.error_dict.items()}
        ) from err
    return result, appointment


@transaction.atomic
def appointment_record_outcome(*, appointment_id: int, by: Any, outcome: str, impressions: str = "") -> Appointment:
    appointment = Appointment.objects.filter(pk=appointment_id, customer__in=customers_visible_to(by)).first()
    if appointment is None:
        raise NotVisible(_("Appointment %(id)s does not exist.") % {"id": appointment_id})
    appointment.outcome, appointment.impressions = outcome, impressions
    clean_or_raise(appointment, exclude=["customer", "store", "vehicle", "created_by"])
    appointment.save(update_fields=["outcome", "impressions"])
    return appointment
