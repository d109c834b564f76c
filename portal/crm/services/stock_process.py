"""The CRM side of the after-sales and stock processes (return_visit, vehicle_acquisition, vehicle_transfer).

Two kinds of function live here. Starters (``return_visit_start``,
``transfer_request``, ``transfer_submit``, ``acquisition_start``,
``acquisition_submit``) are a person's or a sweep's call: they validate first
and refuse with the reason, creating nothing. Steps (the rest) are what the
processes' service tasks run (registered in ``portal.crm.processes.stock``);
they take ids and usernames and return small JSON-able values.
"""

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engine import api
from engine.api import EngineError, NotFound

from ..errors import NotPermitted
from ..fsm import transition_apply
from ..models import (
    AcquisitionRequest,
    Appointment,
    Appraisal,
    ChangeRecord,
    Complaint,
    Customer,
    MaintenancePlan,
    Order,
    ReturnVisit,
    Role,
    ServiceRecord,
    Store,
    Transfer,
    Vehicle,
)
from ..models.choices import (
    AcquisitionStatus,
    AppointmentKind,
    ContactChannel,
    Severity,
    TransferStatus,
    VehicleStatus,
)
from ..scopes import scope_of

log = logging.getLogger(__name__)
ACQUISITION_SOURCES = ("trade_in", "private", "auction", "request")


def _user(username: str | None) -> Any:
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


def _note(entity: str, pk: int, old: str, new: str, *, by: Any, note: str) -> None:
    """History of records that portal.crm.history does not track (transfers, appraisals, requests)."""
    ChangeRecord.objects.create(entity=entity, entity_id=pk, field="status", old_value=old, new_value=new,
                                actor=by, note=note[:200])


def _label(vehicle: Vehicle) -> str:
    return f"{vehicle.brand} {vehicle.model} {vehicle.year} ({vehicle.vin})"


def _local_iso(day: date, hour: int = 10) -> str:
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_default_timezone()).isoformat()


# --- return visits ------------------------------------------------------------------

def return_visit_plan(*, delivered_at: datetime, next_service: date | None) -> list[list[str]]:
    """[kind, due date-time] of each visit: days after delivery, and days before the first service."""
    days = settings.LOTFLOW_RETURN_VISIT_DAYS
    delivered = timezone.localtime(delivered_at).date()
    plan = [[f"{days['first']} days after delivery", _local_iso(delivered + timedelta(days=days["first"]))],
            [f"{days['second']} days after delivery", _local_iso(delivered + timedelta(days=days["second"]))]]
    if next_service is not None:
        plan.append(["before the first service", _local_iso(next_service - timedelta(days=days["before_service"]))])
    return plan


def return_visit_start(*, order_id: int, delivered_at: datetime | None = None) -> int | None:
    """Start ``return_visit`` for a delivered order; None while the process is not deployed."""
    order = Order.objects.select_related("customer", "vehicle").get(pk=order_id)
    plan = MaintenancePlan.objects.filter(vehicle_id=order.vehicle_id).first()
    data = {
        "store_id": order.store_id, "order_id": order.pk, "customer_id": order.customer_id,
        "vehicle_id": order.vehicle_id, "customer_name": order.customer.name, "vehicle_label": _label(order.vehicle),
        "visit_plan": return_visit_plan(delivered_at=delivered_at or timezone.now(),
                                        next_service=plan.next_service_date if plan else None),
        "visit_no": 0, "low_score": settings.LOTFLOW_RETURN_VISIT_LOW_SCORE,
    }
    try:
        return api.start("return_visit", business_key=f"order:{order.pk}", data=data).instance_id
    except NotFound:
        log.warning("return_visit is not deployed: no return visits for order %s", order.pk)
        return None


def service_booking(*, customer_id: int, vehicle_id: int | None = None) -> str:
    """The customer's next booked service appointment, as one line for the visit."""
    booked = (Appointment.objects.filter(customer_id=customer_id, kind=AppointmentKind.SERVICE, at__gte=api.now())
              .select_related("store").order_by("at"))
    if vehicle_id is not None:
        booked = booked.filter(Q(vehicle_id=vehicle_id) | Q(vehicle__isnull=True))
    first = booked.first()
    if first is None:
        return "No service appointment booked."
    at = timezone.localtime(first.at).strftime("%Y-%m-%d %H:%M")
    return f"Service booked for {at} at {first.store.name}."


def return_visit_open(*, order_id: int, kind: str, due: str) -> int:
    """The ReturnVisit record (status due) for one visit of the process; returns its id."""
    order = Order.objects.get(pk=order_id)
    visit = ReturnVisit.objects.create(customer_id=order.customer_id, vehicle_id=order.vehicle_id,
                                       store_id=order.store_id, kind=f"after_delivery: {kind}"[:40],
                                       due=datetime.fromisoformat(due).date())
    return visit.pk


@transaction.atomic
def return_visit_record(*, visit_id: int, score: int, notes: str, by: str) -> int:
    visit = ReturnVisit.objects.select_for_update().get(pk=visit_id)
    transition_apply(visit, "record", actor=_user(by), extra={
        "satisfaction_score": score, "notes": notes, "done_by": _user(by), "done_at": api.now()})
    return visit.pk


@transaction.atomic
def complaint_open(*, visit_id: int, score: int, notes: str) -> int:
    """A low score at a return visit opens a complaint (and its process, where one is deployed)."""
    visit = ReturnVisit.objects.select_related("customer").get(pk=visit_id)
    complaint = Complaint.objects.create(
        customer_id=visit.customer_id, vehicle_id=visit.vehicle_id, store_id=visit.store_id,
        channel=ContactChannel.PHONE, category="return visit",
        severity=Severity.HIGH if score <= 1 else Severity.MEDIUM,
        description=f"Satisfaction {score}/5 at the return visit ({visit.kind}). {notes}".strip())
    try:
        with transaction.atomic():
            api.start("complaint", business_key=f"complaint:{complaint.pk}", data={
                "store_id": visit.store_id, "complaint_id": complaint.pk, "customer_id": visit.customer_id,
                "customer_name": visit.customer.name})
    except EngineError as err:  # not deployed (or refused): the complaint record is still there to handle
        log.info("complaint %s: no complaint process started (%s)", complaint.pk, err)
    return complaint.pk


# --- transfers --------------------------------------------------------------------------

def _transferable(vehicle: Vehicle) -> None:
    if vehicle.status != VehicleStatus.IN_STOCK:
        raise ValidationError({"vehicle": f"{_label(vehicle)} is {vehicle.get_status_display().lower()}; "
                                          "only a car in stock can be transferred."})
    other = Transfer.objects.filter(vehicle=vehicle, status__in=[TransferStatus.REQUESTED, TransferStatus.APPROVED,
                                                                  TransferStatus.IN_TRANSIT]).first()
    if other is not None:
        raise ValidationError({"vehicle": f"{_label(vehicle)} is already on transfer #{other.pk} ({other.status})."})


def _transfer_data(transfer: Transfer, *, draft: bool) -> dict[str, Any]:
    vehicle, source, target = transfer.vehicle, transfer.from_store, transfer.to_store
    return {
        "store_id": source.pk, "transfer_id": transfer.pk, "vehicle_id": vehicle.pk, "vehicle_label": _label(vehicle),
        "from_store_id": source.pk, "to_store_id": target.pk, "from_store_name": source.name,
        "to_store_name": target.name, "reason": transfer.reason, "requested_date": transfer.requested_date.isoformat(),
        "value": vehicle.asking_price, "draft": draft,
        "needs_hq": vehicle.asking_price > settings.LOTFLOW_TRANSFER_HQ_VALUE or source.region != target.region,
        "requested_by": transfer.requested_by.get_username() if transfer.requested_by else "", "note": "",
    }


@transaction.atomic
def transfer_request(*, by: Any, vehicle_id: int, to_store_id: int, reason: str,
                     requested_date: date | None = None) -> Transfer:
    """A person asks for a car to move to another store; starts ``vehicle_transfer`` at the approval."""
    vehicle = Vehicle.objects.select_related("store").select_for_update().filter(pk=vehicle_id).first()
    target = Store.objects.filter(pk=to_store_id).first()
    if vehicle is None or target is None:
        raise ValidationError({"vehicle" if vehicle is None else "to_store": "No such record."})
    scope = scope_of(by)
    if not any(scope.holds_in(s, Role.STORE_MANAGER, Role.SALES, Role.HQ) for s in (vehicle.store_id, target.pk)):
        raise NotPermitted(f"You cannot request transfers between {vehicle.store} and {target}.")
    if target.pk == vehicle.store_id:
        raise ValidationError({"to_store": f"{_label(vehicle)} is already in {target}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the car should move."})
    _transferable(vehicle)
    transfer = Transfer.objects.create(vehicle=vehicle, from_store_id=vehicle.store_id, to_store=target,
                                       reason=reason.strip()[:300], requested_by=by,
                                       requested_date=requested_date or timezone.localdate())
    api.start("vehicle_transfer", business_key=f"transfer:{transfer.pk}", user=by,
              data=_transfer_data(transfer, draft=False))
    return transfer


@transaction.atomic
def transfer_submit(*, transfer_id: int) -> int:
    """Start ``vehicle_transfer`` from a draft of the stock rules, at the manager's review; returns the instance."""
    transfer = Transfer.objects.select_related("vehicle", "from_store", "to_store").get(pk=transfer_id)
    _transferable(transfer.vehicle)
    transition_apply(transfer, "submit", actor=None)
    return api.start("vehicle_transfer", business_key=f"transfer:{transfer.pk}",
                     data=_transfer_data(transfer, draft=True)).instance_id


@transaction.atomic
def transfer_approve(*, transfer_id: int, by: str) -> dict[str, Any]:
    """All approvals given: the car is committed to the move ("in transfer", no longer for sale).

    A car sold or reserved since the request calls the transfer off with the reason.
    """
    transfer = Transfer.objects.select_related("vehicle").select_for_update().get(pk=transfer_id)
    vehicle = Vehicle.objects.select_for_update().get(pk=transfer.vehicle_id)
    if vehicle.status != VehicleStatus.IN_STOCK:
        reason = f"called off: the car is {vehicle.get_status_display().lower()}"
        transfer_reject(transfer_id=transfer_id, reason=reason, by=by)
        return {"ok": False, "reason": reason}
    transition_apply(transfer, "approve", actor=_user(by))
    transition_apply(vehicle, "send", actor=_user(by))
    _note("transfer", transfer.pk, "requested", "approved", by=_user(by), note="approved")
    return {"ok": True, "reason": ""}


@transaction.atomic
def transfer_reject(*, transfer_id: int, reason: str, by: str = "") -> str:
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    old = transfer.status
    transition_apply(transfer, "discard" if old == TransferStatus.DRAFT else "reject", actor=_user(by))
    _note("transfer", transfer.pk, old, transfer.status, by=_user(by), note=f"rejected: {reason}")
    return reason


@transaction.atomic
def transfer_dispatch(*, transfer_id: int, by: str) -> str:
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    transition_apply(transfer, "dispatch", actor=_user(by))
    _note("transfer", transfer.pk, "approved", "in_transit", by=_user(by), note="dispatched")
    return transfer.status


@transaction.atomic
def transfer_receive(*, transfer_id: int, by: str, mileage: int | None = None) -> str:
    """Arrived: the car is in stock in the destination store (store change in its history)."""
    transfer = Transfer.objects.select_related("to_store").select_for_update().get(pk=transfer_id)
    vehicle = Vehicle.objects.select_for_update().get(pk=transfer.vehicle_id)
    extra: dict[str, Any] = {"store": transfer.to_store}
    if mileage and mileage > vehicle.mileage:
        extra["mileage"] = mileage
    transition_apply(transfer, "receive", actor=_user(by))
    transition_apply(vehicle, "receive", actor=_user(by), extra=extra)
    _note("transfer", transfer.pk, "in_transit", "received", by=_user(by), note="received")
    return transfer.status


# --- acquisitions -------------------------------------------------------------------

def _acquisition_data(store: Store, source: str, **extra: Any) -> dict[str, Any]:
    return {"store_id": store.pk, "store_name": store.name, "source": source, "draft": source == "request",
            "approval_price": settings.LOTFLOW_ACQUISITION_APPROVAL_PRICE, "request_id": None, "customer_id": None,
            "seller_name": "", "seller_phone": "", "wanted": "", "reason": "", "note": "", "colour": "",
            **extra}


def acquisition_start(*, by: Any, store_id: int, source: str, seller_name: str = "", seller_phone: str = "",
                      customer_id: int | None = None) -> int:
    """A car is offered (trade-in, private seller, auction): starts ``vehicle_acquisition`` at the appraisal."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise ValidationError({"store": f"store {store_id} does not exist"})
    if not scope_of(by).holds_in(store.pk, Role.STORE_MANAGER, Role.SALES, Role.SERVICE):
        raise NotPermitted(f"You cannot buy cars in for {store}.")
    if source not in ACQUISITION_SOURCES[:3]:
        raise ValidationError({"source": f"'{source}' is not one of {', '.join(ACQUISITION_SOURCES[:3])}."})
    if source == "trade_in":
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            raise ValidationError({"customer": "A trade-in needs the customer who trades the car in."})
        seller_name = seller_name or customer.name
    if not seller_name.strip():
        raise ValidationError({"seller_name": "Name the seller (person, dealer or auction house)."})
    data = _acquisition_data(store, source, seller_name=seller_name.strip(), seller_phone=seller_phone,
                             customer_id=customer_id)
    return api.start("vehicle_acquisition", business_key=f"acquisition:{source}:{store.pk}", user=by,
                     data=data).instance_id


@transaction.atomic
def acquisition_submit(*, request_id: int) -> int:
    """Start ``vehicle_acquisition`` from a draft request of the stock rules, at the manager's review."""
    request = AcquisitionRequest.objects.select_related("store").get(pk=request_id)
    transition_apply(request, "submit", actor=None)
    kind = " ".join(part for part in (request.brand, request.model, request.vehicle_type) if part)
    wanted = f"{request.quantity} × {kind}"
    return api.start("vehicle_acquisition", business_key=f"acquisition-request:{request.pk}", data=_acquisition_data(
        request.store, "request", request_id=request.pk, wanted=wanted, reason=request.reason)).instance_id


@transaction.atomic
def acquisition_request_decide(*, request_id: int, approved: bool, reason: str, by: str) -> bool:
    request = AcquisitionRequest.objects.select_for_update().get(pk=request_id)
    transition_apply(request, "approve" if approved else "reject", actor=_user(by))
    _note("acquisition", request.pk, "requested", request.status, by=_user(by), note=reason or request.status)
    return approved


@transaction.atomic
def appraisal_record(*, store_id: int, seller_name: str, seller_phone: str, customer_id: int | None, vin: str,
                     brand: str, model: str, mileage: int, condition: str, history: str, photos: str,
                     offered_price: int, by: str) -> dict[str, Any]:
    """The appraisal (status offered); ``needs_approval`` when the price is above the settings' limit."""
    appraisal = Appraisal.objects.create(
        store_id=store_id, seller_name=seller_name, seller_phone=seller_phone, seller_id=customer_id, vin=vin.upper(),
        brand=brand, model=model, mileage=mileage, condition=f"{condition}\n\nPhotos: {photos}".strip(),
        history=history, offered_price=offered_price, appraiser=_user(by))
    transition_apply(appraisal, "offer", actor=_user(by))
    return {"appraisal_id": appraisal.pk,
            "needs_approval": offered_price > settings.LOTFLOW_ACQUISITION_APPROVAL_PRICE}


@transaction.atomic
def appraisal_decline(*, appraisal_id: int, reason: str, by: str) -> str:
    appraisal = Appraisal.objects.select_for_update().get(pk=appraisal_id)
    transition_apply(appraisal, "decline", actor=_user(by))
    _note("appraisal", appraisal.pk, "offered", "declined", by=_user(by), note=f"rejected: {reason}")
    return reason


@transaction.atomic
def appraisal_purchase(*, appraisal_id: int, price: int, method: str, by: str) -> str:
    appraisal = Appraisal.objects.select_for_update().get(pk=appraisal_id)
    transition_apply(appraisal, "accept", actor=_user(by))
    transition_apply(appraisal, "purchase", actor=_user(by))
    _note("appraisal", appraisal.pk, "offered", "purchased", by=_user(by), note=f"paid {price} by {method}")
    return appraisal.status


@transaction.atomic
def vehicle_list(*, appraisal_id: int, request_id: int | None, purchase_price: int, asking_price: int, year: int,
                 vehicle_type: str, colour: str, work_done: str, cost: int, by: str) -> int:
    """The bought, reconditioned car goes into the store's stock; its request (if any) is fulfilled."""
    from .vehicles import vehicle_create  # vehicles imports this module (order_deliver starts return visits)

    appraisal = Appraisal.objects.get(pk=appraisal_id)
    known = Vehicle.objects.select_for_update().filter(vin=appraisal.vin).first()
    if known is not None:
        vehicle = _buy_back(known, appraisal, by=_user(by), purchase_price=purchase_price,
                            asking_price=asking_price, colour=colour)
    else:
        vehicle = vehicle_create(by=_user(by), store=appraisal.store, vin_confirmed=True, fields={
            "vin": appraisal.vin, "brand": appraisal.brand, "model": appraisal.model, "vehicle_type": vehicle_type,
            "year": year, "colour": colour, "mileage": appraisal.mileage, "purchase_price": purchase_price,
            "asking_price": asking_price})
    if work_done:
        ServiceRecord.objects.create(vehicle=vehicle, date=timezone.localdate(), mileage=vehicle.mileage,
                                     work_done=f"Reconditioning: {work_done}", cost=cost)
    if request_id:
        request = AcquisitionRequest.objects.select_for_update().get(pk=request_id)
        if request.status == AcquisitionStatus.APPROVED:
            transition_apply(request, "fulfil", actor=_user(by))
    return vehicle.pk


def _buy_back(vehicle: Vehicle, appraisal: Appraisal, *, by: Any, purchase_price: int, asking_price: int,
              colour: str) -> Vehicle:
    """A car the group sold before comes back: the same record, in stock again in the buying store,
    with its new figures in its history. A car the group still holds cannot be bought."""
    if vehicle.status != VehicleStatus.SOLD:
        raise ValidationError({"vin": f"{_label(vehicle)} is {vehicle.get_status_display().lower()} in "
                                      f"{vehicle.store}: the group holds it, so the appraisal's VIN must be wrong."})
    transition_apply(vehicle, "buy_back", actor=by, extra={
        "store": appraisal.store, "customer": None, "mileage": appraisal.mileage,
        "purchase_price": purchase_price, "asking_price": asking_price, "colour": colour or vehicle.colour})
    return vehicle


# --- drafts of the stock rules ---------------------------------------------------------

def drafts_submit() -> dict[str, int]:
    """Start the processes for every draft the thresholds sweep left (while they are deployed).

    A draft whose car can no longer move (sold or reserved meanwhile) is discarded with the reason,
    so the next sweep may propose another. Returns the non-zero counts, for the sweep's report.
    """
    done = {"submitted transfer": 0, "submitted acquisition request": 0, "discarded draft": 0}
    try:
        for transfer_id in Transfer.objects.filter(status=TransferStatus.DRAFT).values_list("pk", flat=True):
            try:
                transfer_submit(transfer_id=transfer_id)
                done["submitted transfer"] += 1
            except ValidationError as err:
                transfer_reject(transfer_id=transfer_id, reason="; ".join(err.messages))
                done["discarded draft"] += 1
    except NotFound as err:  # vehicle_transfer is not deployed: its drafts stay drafts
        log.info("draft transfers not submitted: %s", err)
    try:
        for request_id in (AcquisitionRequest.objects.filter(status=AcquisitionStatus.DRAFT)
                           .values_list("pk", flat=True)):
            acquisition_submit(request_id=request_id)
            done["submitted acquisition request"] += 1
    except NotFound as err:
        log.info("draft acquisition requests not submitted: %s", err)
    return {key: count for key, count in done.items() if count}
