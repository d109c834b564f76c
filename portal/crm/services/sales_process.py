"""Business actions the sales and complaint processes need beyond the other services.

Each takes the acting user (the person who completed the step that led here), checks
what they may do, validates and writes in one transaction, like every CRM service.
"""

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from engine import api

from .. import history
from ..errors import NotPermitted
from ..fsm import transition_apply
from ..models import (
    Complaint,
    Customer,
    InsurancePolicy,
    MembershipCard,
    Order,
    OrderStatus,
    PaymentPlan,
    PolicyKind,
    Role,
    Vehicle,
)
from ..scopes import complaints_visible_to, customers_visible_to, orders_visible_to, scope_of
from ..selectors import customer_by_phone
from .common import clean_or_raise, visible_or_raise
from .contacts import communication_record
from .customers import customer_update
from .vehicles import payment_record

ORDER_CHANGE_KINDS = ("configuration", "price", "delivery_date", "payment_method")


def parse_when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def delivery_datetime(value: str) -> datetime:
    """A delivery date (``2026-12-01``) as 10:00 local time that day."""
    return timezone.make_aware(datetime.combine(date.fromisoformat(value), time(10)))


@transaction.atomic
def prospect_first_contact(*, customer_id: int, by: Any, outcome: str, notes: str) -> Customer:
    """Record the first contact. From the pool it makes ``by`` the owner; a prospect whose
    contact task a manager handed to ``by`` after an escalation moves to them too."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if customer.owner_id not in (None, by.pk):
        if not scope_of(by).holds_in(customer.home_store_id, Role.SALES):
            raise NotPermitted(
                _("%(username)s is not a salesperson of %(store)s.")
                % {"username": by.get_username(), "store": customer.home_store}
            )
        old = customer.owner
        Customer.objects.filter(pk=customer.pk).update(owner=by, pooled_at=None)
        history.record_change(
            customer, "owner", old, by, actor=by, note=gettext_noop("first contact after a hand-over")
        )
    communication_record(
        customer_id=customer_id,
        by=by,
        channel="phone",
        content=notes,
        outcome=outcome,
        from_pool=customer.owner_id is None,
    )
    return Customer.objects.select_related("owner").get(pk=customer_id)


@transaction.atomic
def prospect_qualify(
    *, customer_id: int, by: Any, intent_level: str, vehicle_type: str, budget_max: int, needs: str
) -> Customer:
    customer = visible_or_raise(customers_visible_to(by), customer_id, "customer")
    fields: dict[str, Any] = {"intent_level": intent_level, "vehicle_type": vehicle_type, "budget_max": budget_max}
    if customer.budget_min is not None and customer.budget_min > budget_max:
        fields["budget_min"] = None
    customer = customer_update(customer_id=customer_id, by=by, fields=fields)
    communication_record(
        customer_id=customer_id, by=by, channel="phone", content=f"Needs: {needs}", outcome="follow_up"
    )
    return customer


@transaction.atomic
def prospect_lost(*, customer_id: int, by: Any, reason: str) -> None:
    """The lost branch: the reason is kept on the customer's record as a contact note."""
    communication_record(
        customer_id=customer_id, by=by, channel="phone", content=f"Lost: {reason}", outcome="not_interested"
    )


def _order_for_money(by: Any, order_id: int) -> Order:
    order = visible_or_raise(orders_visible_to(by).select_related("vehicle", "customer"), order_id, "order")
    if not scope_of(by).holds_in(order.store_id, Role.FINANCE, Role.STORE_MANAGER):
        raise NotPermitted(
            _("Only finance or the store manager handle the money of order #%(order)s.") % {"order": order.pk}
        )
    return order


@transaction.atomic
def order_settle(*, order_id: int, by: Any, method: str) -> Order:
    """Finance records the balance (paid in full, or the loan disbursed): the order becomes paid."""
    order = _order_for_money(by, order_id)
    paid = order.payments.aggregate(total=Sum("amount"))["total"] or 0
    if order.price > paid:
        payment_record(order_id=order.pk, by=by, method=method, amount=order.price - paid)
    order.refresh_from_db()
    return order


@transaction.atomic
def order_cancel_refund(*, order_id: int, by: Any, method: str, reference: str, reason: str) -> Order:
    """Finance refunds what was paid and cancels the order; its vehicle goes back into stock.

    A delivered order cannot be cancelled (its transition refuses it)."""
    order = _order_for_money(by, order_id)
    paid = order.payments.aggregate(total=Sum("amount"))["total"] or 0
    transition_apply(order, "cancel", actor=by)
    transition_apply(Vehicle.objects.get(pk=order.vehicle_id), "release", actor=by)
    history.record_change(
        order, "refund", "", f"{paid} yuan by {method} ({reference})", actor=by, note=f"cancelled: {reason}"[:200]
    )
    return order


@transaction.atomic
def sale_aftercare(
    *,
    customer_id: int,
    order_id: int,
    by: Any,
    card_level: str,
    insurer: str,
    compulsory_policy: str,
    commercial_policy: str,
    expires_on: date,
) -> dict[str, Any]:
    """After delivery: the membership card (unless the customer holds one) and both insurance policies."""
    order = visible_or_raise(orders_visible_to(by), order_id, "order")
    if order.status != OrderStatus.DELIVERED:
        raise ValidationError(
            {
                "order": _("Order #%(order)s is %(status)s, not delivered.")
                % {"order": order.pk, "status": order.get_status_display()}
            }
        )
    card = MembershipCard.objects.filter(customer_id=customer_id).first()
    if card is None:
        card = MembershipCard.objects.create(
            customer_id=customer_id,
            number=f"LF{order.store_id:03d}{customer_id:07d}",
            level=card_level,
            issued_by=by,
            store_id=order.store_id,
        )
    for kind, number in ((PolicyKind.COMPULSORY, compulsory_policy), (PolicyKind.COMMERCIAL, commercial_policy)):
        InsurancePolicy.objects.update_or_create(
            vehicle_id=order.vehicle_id,
            kind=kind,
            defaults={"insurer": insurer, "policy_number": number, "expires_on": expires_on},
        )
    return {"card": card.number}


# --- order changes -------------------------------------------------------------------


def order_summary(*, order_id: int) -> dict[str, Any]:
    """What an order change shows and compares against (small values only)."""
    order = Order.objects.select_related("vehicle", "customer", "salesperson").get(pk=order_id)
    return {
        "price": order.price,
        "payment_plan": order.payment_plan,
        "status": order.status,
        "delivery_at": order.delivery_at.isoformat() if order.delivery_at else "",
        "configuration": order.vehicle.configuration,
        "vehicle": f"{order.vehicle.brand} {order.vehicle.model}",
        "customer_name": order.customer.name,
        "salesperson": order.salesperson.get_username(),
    }


@transaction.atomic
def order_change_apply(*, order_id: int, by: Any, kind: str, value: Any, reason: str) -> Order:
    """Apply an approved change to an order (or its car's configuration), with history."""
    order = visible_or_raise(orders_visible_to(by).select_for_update(), order_id, "order")
    if not scope_of(by).holds_in(order.store_id, Role.STORE_MANAGER, Role.HQ):
        raise NotPermitted(_("Only the store manager or hq apply changes to order #%(order)s.") % {"order": order.pk})
    if order.status not in (OrderStatus.OPEN, OrderStatus.PAID):
        raise ValidationError(
            {
                "order": _("Order #%(order)s is %(status)s; it can no longer be changed.")
                % {"order": order.pk, "status": order.get_status_display()}
            }
        )
    if kind not in ORDER_CHANGE_KINDS:
        raise ValidationError({"kind": _("Choose one of %(allowed)s.") % {"allowed": ", ".join(ORDER_CHANGE_KINDS)}})
    note = f"change approved by {by.get_username()}: {reason}"[:200]
    if kind == "configuration":
        vehicle = Vehicle.objects.get(pk=order.vehicle_id)
        before = history.snapshot(vehicle)
        vehicle.configuration = str(value)
        clean_or_raise(vehicle, exclude=["store", "customer", "vin"])
        vehicle.save(update_fields=["configuration"])
        history.record_diff(vehicle, before, actor=by, note=note)
        return order
    before = history.snapshot(order)
    if kind == "price":
        if int(value) < order.deposit:
            raise ValidationError(
                {"price": _("The new price is below the deposit (%(deposit)s).") % {"deposit": order.deposit}}
            )
        order.price = int(value)
    elif kind == "delivery_date":
        order.delivery_at = delivery_datetime(str(value))
    else:
        if value not in PaymentPlan.values:
            raise ValidationError(
                {"payment_plan": _("Choose one of %(allowed)s.") % {"allowed": ", ".join(PaymentPlan.values)}}
            )
        order.payment_plan = value
    order.save(update_fields=["price", "delivery_at", "payment_plan"])
    history.record_diff(order, before, actor=by, note=note)
    return order


# --- starting the processes from the portal ----------------------------------------------


def order_change_start(*, by: Any, order_id: int) -> api.StepResult:
    """The order's salesperson, or a manager of its store, asks for a change: starts ``order_change``
    at *Describe the change*, which is theirs. One change of an order waits at a time."""
    order = visible_or_raise(orders_visible_to(by).select_related("store"), order_id, "order")
    scope = scope_of(by)
    if order.salesperson_id != by.pk and not (scope.everything or scope.holds_in(order.store_id, Role.STORE_MANAGER)):
        raise NotPermitted(
            _("Order #%(order)s is %(username)s's: they or a manager of the store can ask for a change.")
            % {"order": order.pk, "username": order.salesperson.get_username()}
        )
    if order.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        raise ValidationError(
            {
                "order": _("Order #%(order)s is %(status)s; only an open or paid order can change.")
                % {"order": order.pk, "status": order.get_status_display()}
            }
        )
    key = f"order:{order.pk}"
    waiting = api.running_instance_id("order_change", key)
    if waiting is not None:
        raise ValidationError(
            {
                "order": _(
                    "A change of order #%(order)s is already under way (process %(process)s); "
                    "it has to be decided first."
                )
                % {"order": order.pk, "process": waiting}
            }
        )
    return api.start("order_change", business_key=key, user=by, data={"store_id": order.store_id, "order_id": order.pk})


def complaint_start(*, by: Any, customer_id: int) -> api.StepResult:
    """Anyone who serves the customer records that they complained: starts ``complaint`` at
    *Take the complaint*, for the complaints desk of the customer's store."""
    customer = visible_or_raise(customers_visible_to(by), customer_id, "customer")
    return _complaint_process(customer, by)


def complaint_call(*, by: Any, phone: str) -> api.StepResult:
    """The complaints desk takes a call: the caller is found by their exact phone number among the
    customers of the desk's stores (the desk sees no other record until a complaint is opened)."""
    stores = scope_of(by).stores(Role.COMPLAINTS)
    if not stores:
        raise NotPermitted(_("Complaint calls are taken by the complaints desk."))
    customer = customer_by_phone(phone, stores)
    if customer is None:
        raise ValidationError(
            {
                "phone": _(
                    "No customer of your store has this number: check it with the caller, or "
                    "ask their salesperson or the store manager to record the customer first."
                )
            }
        )
    return _complaint_process(customer, by)


def _complaint_process(customer: Customer, by: Any) -> api.StepResult:
    return api.start(
        "complaint",
        business_key=f"customer:{customer.pk}",
        user=by,
        data={"store_id": customer.home_store_id, "customer_id": customer.pk, "customer_name": customer.name},
    )


# --- complaints ------------------------------------------------------------------------


def _may_handle(by: Any, store_id: int) -> None:
    if not scope_of(by).holds_in(store_id, Role.COMPLAINTS, Role.STORE_MANAGER):
        raise NotPermitted(
            _("%(username)s does not handle complaints of store %(store)s.")
            % {"username": by.get_username(), "store": store_id}
        )


@transaction.atomic
def complaint_open(
    *,
    complaint_id: int | None,
    customer_id: int,
    store_id: int,
    by: Any,
    channel: str,
    category: str,
    severity: str,
    description: str,
    vehicle_id: int | None,
    deadline: datetime,
) -> Complaint:
    """Record a complaint taken in, or complete one opened elsewhere (a low return-visit score)."""
    _may_handle(by, store_id)
    complaint = Complaint(customer_id=customer_id, store_id=store_id)
    if complaint_id is not None:
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id, customer_id=customer_id)
    complaint.vehicle_id = vehicle_id or complaint.vehicle_id
    complaint.channel, complaint.category, complaint.severity = channel, category, severity
    complaint.description, complaint.handler = description, by
    complaint.deadline = deadline
    clean_or_raise(complaint, exclude=["customer", "vehicle", "store", "handler"])
    complaint.save()
    return complaint


def complaint_for(by: Any, complaint_id: int) -> Complaint:
    complaint = visible_or_raise(complaints_visible_to(by).select_for_update(), complaint_id, "complaint")
    _may_handle(by, complaint.store_id)
    return complaint


@transaction.atomic
def complaint_move(*, complaint_id: int, by: Any, transition: str, **fields: Any) -> Complaint:
    """A declared status move (start, resolve, close, reopen), with the fields that go with it."""
    complaint = complaint_for(by, complaint_id)
    for name, value in fields.items():
        setattr(complaint, name, value)
    if fields:
        clean_or_raise(complaint, exclude=["customer", "vehicle", "store", "handler"])
        complaint.save(update_fields=list(fields))
    if transition:
        transition_apply(complaint, transition, actor=by, extra=_complaint_times(complaint, transition))
    return complaint


def _complaint_times(complaint: Complaint, transition: str) -> dict[str, Any]:
    """The times the reports read, written with the status move: handling started is the acknowledgement
    (the first one counts), marked resolved is the resolution (a reopened complaint is resolved again)."""
    if transition == "start" and complaint.acknowledged_at is None:
        return {"acknowledged_at": api.now()}
    if transition == "resolve":
        return {"resolved_at": api.now()}
    if transition == "reopen":
        return {"resolved_at": None}
    return {}
