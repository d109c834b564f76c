"""Vehicles, orders and payments."""

from datetime import datetime, timedelta
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
from ..fields import VEHICLE_FIELDS
from ..fsm import transition_apply
from ..identifiers import plate_normalize, vin_validate
from ..models import (
    Customer,
    MaintenancePlan,
    Order,
    OrderStatus,
    Payment,
    Role,
    Stage,
    Store,
    Vehicle,
)
from ..scopes import can_manage_customer, customers_visible_to, orders_visible_to, scope_of, vehicles_visible_to
from .common import clean_or_raise, visible_or_raise
from .return_visits import return_visit_start

FIRST_SERVICE_AFTER = timedelta(days=180)
FIRST_SERVICE_KM = 5000


def _check_vehicle(vehicle: Vehicle, *, vin_confirmed: bool) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        vehicle.vin = vin_validate(vehicle.vin, confirmed=vin_confirmed)
    except ValidationError as err:
        errors.update(err.error_dict)
    vehicle.plate = plate_normalize(vehicle.plate)
    try:
        clean_or_raise(vehicle, exclude=["store", "customer", "vin"])
    except ValidationError as err:
        errors.update(err.error_dict)
    if "vin" not in errors:
        other = Vehicle.objects.filter(vin=vehicle.vin).exclude(pk=vehicle.pk).first()
        if other is not None:
            errors["vin"] = [
                ValidationError(
                    _("VIN %(vin)s is already recorded (vehicle #%(vehicle)s).")
                    % {"vin": vehicle.vin, "vehicle": other.pk}
                )
            ]
    this_year = timezone.localdate().year
    if vehicle.year and not 1950 <= vehicle.year <= this_year + 1:
        errors["year"] = [
            ValidationError(
                _("Year %(year)s is not between 1950 and %(latest)s.") % {"year": vehicle.year, "latest": this_year + 1}
            )
        ]
    if errors:
        raise ValidationError(errors)


def _may_keep_stock(by: Any, store: Store) -> None:
    scope = scope_of(by)
    if not (scope.everything or scope.holds_in(store.pk, Role.STORE_MANAGER, Role.SALES)):
        raise NotPermitted(_("You cannot add or edit vehicles of %(store)s.") % {"store": store})


@transaction.atomic
def vehicle_create(*, by: Any, store: Store, fields: dict[str, Any], vin_confirmed: bool = False) -> Vehicle:
    _may_keep_stock(by, store)
    vehicle = Vehicle(store=store, **{k: v for k, v in fields.items() if k in VEHICLE_FIELDS})
    vehicle.arrived_at = api.now()  # its intake: the start of its age in stock
    _check_vehicle(vehicle, vin_confirmed=vin_confirmed)
    vehicle.save()
    history.record_diff(vehicle, {}, actor=by, note=gettext_noop("created"))
    return vehicle


@transaction.atomic
def vehicle_update(*, vehicle_id: int, by: Any, fields: dict[str, Any], vin_confirmed: bool = False) -> Vehicle:
    vehicle = visible_or_raise(vehicles_visible_to(by).select_for_update(), vehicle_id, "vehicle")
    _may_keep_stock(by, vehicle.store)
    before = history.snapshot(vehicle)
    for name, value in fields.items():
        if name not in VEHICLE_FIELDS:
            raise ValidationError({name: _("Not a vehicle field you can edit here.")})
        setattr(vehicle, name, value)
    _check_vehicle(vehicle, vin_confirmed=vin_confirmed)
    vehicle.save()
    history.record_diff(vehicle, before, actor=by)
    return vehicle


@transaction.atomic
def order_create(
    *,
    by: Any,
    customer_id: int,
    vehicle_id: int,
    price: int,
    payment_plan: str = "full",
    deposit: int = 0,
    delivery_at: datetime | None = None,
    delivery_place: str = "",
) -> Order:
    """An order reserves its vehicle: a reserved or sold vehicle cannot be put on a second order."""
    customer = visible_or_raise(customers_visible_to(by), customer_id, "customer")
    if not can_manage_customer(by, customer):
        raise NotPermitted(_("Only the customer's owner or the store manager can place an order."))
    if customer.owner_id is None:
        raise ValidationError(
            {"customer": _("%(customer)s is in the pool; take it (record a contact) first.") % {"customer": customer}}
        )
    vehicle = visible_or_raise(vehicles_visible_to(by), vehicle_id, "vehicle")
    order = Order(
        customer=customer,
        vehicle=vehicle,
        store=vehicle.store,
        salesperson=customer.owner,
        price=price,
        payment_plan=payment_plan,
        deposit=deposit,
        delivery_at=delivery_at,
        delivery_place=delivery_place,
    )
    clean_or_raise(order, exclude=["customer", "vehicle", "store", "salesperson"])
    if deposit > price:
        raise ValidationError(
            {
                "deposit": _("The deposit (%(deposit)s) exceeds the price (%(price)s).")
                % {"deposit": deposit, "price": price}
            }
        )
    transition_apply(vehicle, "reserve", actor=by)
    order.save()
    history.record_diff(order, {}, actor=by, note=gettext_noop("created"))
    return order


def _order_for(by: Any, order_id: int, *roles: str) -> Order:
    order = visible_or_raise(orders_visible_to(by).select_related("vehicle", "customer"), order_id, "order")
    scope = scope_of(by)
    if not (scope.everything or scope.holds_in(order.store_id, *roles) or order.salesperson_id == by.pk):
        raise NotPermitted(_("Your roles do not allow this on order #%(order)s.") % {"order": order.pk})
    return order


@transaction.atomic
def payment_record(*, order_id: int, by: Any, method: str, amount: int, paid_at: datetime | None = None) -> Payment:
    """Finance records money received; the order is paid once the payments reach its price."""
    order = _order_for(by, order_id, Role.FINANCE, Role.STORE_MANAGER)
    if order.status not in (OrderStatus.OPEN, OrderStatus.PAID):
        raise ValidationError(
            {
                "order": _("Order #%(order)s is %(status)s; it takes no payments.")
                % {"order": order.pk, "status": order.get_status_display()}
            }
        )
    payment = Payment(order=order, method=method, amount=amount, paid_at=paid_at or timezone.now(), handled_by=by)
    clean_or_raise(payment, exclude=["order", "handled_by"])
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be above zero.")})
    payment.save()
    total = order.payments.aggregate(total=Sum("amount"))["total"] or 0
    if order.status == OrderStatus.OPEN and total >= order.price:
        transition_apply(order, "mark_paid", actor=by)
        customer = Customer.objects.get(pk=order.customer_id)
        if customer.stage == Stage.PROSPECT:
            transition_apply(customer, "close_deal", field="stage", actor=by)
    return payment


@transaction.atomic
def order_deliver(*, order_id: int, by: Any, delivered_at: datetime | None = None) -> Order:
    """Hand the car over: only a paid order can be delivered; the vehicle becomes sold."""
    order = _order_for(by, order_id, Role.STORE_MANAGER, Role.SALES)
    transition_apply(order, "deliver", actor=by)
    vehicle = Vehicle.objects.get(pk=order.vehicle_id)
    transition_apply(vehicle, "sell", actor=by, extra={"customer": order.customer})
    when = delivered_at or timezone.now()
    MaintenancePlan.objects.update_or_create(
        vehicle=vehicle,
        defaults={
            "next_service_date": (when + FIRST_SERVICE_AFTER).date(),
            "next_service_mileage": vehicle.mileage + FIRST_SERVICE_KM,
        },
    )
    # Issue 12: each recorded delivery starts the return_visit process (+3 days, +30 days, before the first service).
    return_visit_start(order_id=order.pk, delivered_at=when)
    return order


@transaction.atomic
def order_cancel(*, order_id: int, by: Any) -> Order:
    order = _order_for(by, order_id, Role.STORE_MANAGER)
    transition_apply(order, "cancel", actor=by)
    vehicle = Vehicle.objects.get(pk=order.vehicle_id)
    transition_apply(vehicle, "release", actor=by)
    return order
