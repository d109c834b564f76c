"""The CRM side of the ``vehicle_acquisition`` process: buying a car in (trade-in, private seller,
auction, or a request of the stock rules), its appraisal, and listing it in stock.

Starters (``acquisition_start`` by a person, ``acquisition_submit`` for a draft request)
validate first and refuse with the reason, creating nothing. The rest are the steps the
process's service tasks run (registered in ``portal.crm.processes.stock``).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from engine import api

from ..errors import NotPermitted
from ..fsm import transition_apply
from ..models import AcquisitionRequest, Appraisal, Customer, Role, ServiceRecord, Store, Vehicle
from ..models.choices import AcquisitionStatus, VehicleStatus, VehicleType
from ..scopes import scope_of
from .common import status_note, user_by_username, vehicle_label
from .vehicles import vehicle_create

ACQUISITION_SOURCES = ("trade_in", "private", "auction", "request")


def _acquisition_data(store: Store, source: str, **extra: Any) -> dict[str, Any]:
    return {
        "store_id": store.pk,
        "store_name": store.name,
        "source": source,
        "draft": source == "request",
        "approval_price": settings.LOTFLOW_ACQUISITION_APPROVAL_PRICE,
        "request_id": None,
        "customer_id": None,
        "seller_name": "",
        "seller_phone": "",
        "wanted": "",
        "reason": "",
        "note": "",
        "colour": "",
        **extra,
    }


def acquisition_start(
    *,
    by: Any,
    store_id: int,
    source: str,
    seller_name: str = "",
    seller_phone: str = "",
    customer_id: int | None = None,
) -> int:
    """A car is offered (trade-in, private seller, auction): starts ``vehicle_acquisition`` at the appraisal."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise ValidationError({"store": _("Store %(store)s does not exist.") % {"store": store_id}})
    if not scope_of(by).holds_in(store.pk, Role.STORE_MANAGER, Role.SALES, Role.SERVICE):
        raise NotPermitted(_("You cannot buy cars in for %(store)s.") % {"store": store})
    if source not in ACQUISITION_SOURCES[:3]:
        raise ValidationError(
            {
                "source": _("“%(value)s” is not one of %(allowed)s.")
                % {"value": source, "allowed": ", ".join(ACQUISITION_SOURCES[:3])}
            }
        )
    if source == "trade_in":
        customer = Customer.objects.filter(pk=customer_id).first() if customer_id is not None else None
        if customer is None:
            raise ValidationError({"customer": _("A trade-in needs the customer who trades the car in.")})
        seller_name = seller_name or customer.name
    if not seller_name.strip():
        raise ValidationError({"seller_name": _("Name the seller (person, dealer or auction house).")})
    data = _acquisition_data(
        store, source, seller_name=seller_name.strip(), seller_phone=seller_phone, customer_id=customer_id
    )
    return api.start(
        "vehicle_acquisition", business_key=f"acquisition:{source}:{store.pk}", user=by, data=data
    ).instance_id


@transaction.atomic
def acquisition_submit(*, request_id: int) -> int:
    """Start ``vehicle_acquisition`` from a draft request of the stock rules, at the manager's review."""
    request = AcquisitionRequest.objects.select_related("store").get(pk=request_id)
    transition_apply(request, "submit", actor=None)
    wanted = f"{request.quantity} × {_kind_wanted(request)}"
    return api.start(
        "vehicle_acquisition",
        business_key=f"acquisition-request:{request.pk}",
        data=_acquisition_data(request.store, "request", request_id=request.pk, wanted=wanted, reason=request.reason),
    ).instance_id


def _kind_wanted(request: AcquisitionRequest) -> str:
    """The kind of car a request wants, as the work's subject says it to every reader (it is stored once): the
    brand and model as recorded, else the body type in each language the portal speaks (轿车 / Sedan, SUV)."""
    if request.brand or request.model:
        return " ".join(part for part in (request.brand, request.model) if part)
    if request.vehicle_type not in VehicleType.values:
        return request.vehicle_type
    label = VehicleType(request.vehicle_type).label
    written = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text = str(label)
        if text not in written:
            written.append(text)
    return " / ".join(written)


@transaction.atomic
def acquisition_request_decide(*, request_id: int, approved: bool, reason: str, by: str) -> bool:
    actor = user_by_username(by)
    request = AcquisitionRequest.objects.select_for_update().get(pk=request_id)
    transition_apply(request, "approve" if approved else "reject", actor=actor)
    status_note("acquisition", request.pk, "requested", request.status, by=actor, note=reason or request.status)
    return approved


@transaction.atomic
def appraisal_record(
    *,
    store_id: int,
    seller_name: str,
    seller_phone: str,
    customer_id: int | None,
    vin: str,
    brand: str,
    model: str,
    mileage: int,
    condition: str,
    history: str,
    photos: str,
    offered_price: int,
    by: str,
) -> dict[str, Any]:
    """The appraisal (status offered); ``needs_approval`` when the price is above the settings' limit."""
    actor = user_by_username(by)
    appraisal = Appraisal.objects.create(
        store_id=store_id,
        seller_name=seller_name,
        seller_phone=seller_phone,
        seller_id=customer_id,
        vin=vin.upper(),
        brand=brand,
        model=model,
        mileage=mileage,
        condition=f"{condition}\n\nPhotos: {photos}".strip(),
        history=history,
        offered_price=offered_price,
        appraiser=actor,
    )
    transition_apply(appraisal, "offer", actor=actor)
    return {"appraisal_id": appraisal.pk, "needs_approval": offered_price > settings.LOTFLOW_ACQUISITION_APPROVAL_PRICE}


@transaction.atomic
def appraisal_decline(*, appraisal_id: int, reason: str, by: str) -> str:
    actor = user_by_username(by)
    appraisal = Appraisal.objects.select_for_update().get(pk=appraisal_id)
    transition_apply(appraisal, "decline", actor=actor)
    status_note("appraisal", appraisal.pk, "offered", "declined", by=actor, note=f"rejected: {reason}")
    return reason


@transaction.atomic
def appraisal_purchase(*, appraisal_id: int, price: int, method: str, by: str) -> str:
    actor = user_by_username(by)
    appraisal = Appraisal.objects.select_for_update().get(pk=appraisal_id)
    transition_apply(appraisal, "accept", actor=actor)
    transition_apply(appraisal, "purchase", actor=actor)
    status_note("appraisal", appraisal.pk, "offered", "purchased", by=actor, note=f"paid {price} by {method}")
    return appraisal.status


@transaction.atomic
def appraisal_list_in_stock(
    *,
    appraisal_id: int,
    request_id: int | None,
    purchase_price: int,
    asking_price: int,
    year: int,
    vehicle_type: str,
    colour: str,
    work_done: str,
    cost: int,
    by: str,
) -> int:
    """The bought, reconditioned car goes into the store's stock; its request (if any) is fulfilled."""
    actor = user_by_username(by)
    appraisal = Appraisal.objects.get(pk=appraisal_id)
    known = Vehicle.objects.select_for_update().filter(vin=appraisal.vin).first()
    if known is not None:
        vehicle = _buy_back(
            known, appraisal, by=actor, purchase_price=purchase_price, asking_price=asking_price, colour=colour
        )
    else:
        vehicle = vehicle_create(
            by=actor,
            store=appraisal.store,
            vin_confirmed=True,
            fields={
                "vin": appraisal.vin,
                "brand": appraisal.brand,
                "model": appraisal.model,
                "vehicle_type": vehicle_type,
                "year": year,
                "colour": colour,
                "mileage": appraisal.mileage,
                "purchase_price": purchase_price,
                "asking_price": asking_price,
            },
        )
    if work_done:
        ServiceRecord.objects.create(
            vehicle=vehicle,
            date=timezone.localdate(),
            mileage=vehicle.mileage,
            work_done=f"Reconditioning: {work_done}",
            cost=cost,
        )
    if request_id:
        request = AcquisitionRequest.objects.select_for_update().get(pk=request_id)
        if request.status == AcquisitionStatus.APPROVED:
            transition_apply(request, "fulfil", actor=actor)
    return vehicle.pk


def _buy_back(
    vehicle: Vehicle, appraisal: Appraisal, *, by: Any, purchase_price: int, asking_price: int, colour: str
) -> Vehicle:
    """A car the group sold before comes back: the same record, in stock again in the buying store,
    with its new figures in its history. A car the group still holds cannot be bought."""
    if vehicle.status != VehicleStatus.SOLD:
        raise ValidationError(
            {
                "vin": _(
                    "%(vehicle)s is %(status)s in %(store)s: the group holds it, so the appraisal's VIN must be wrong."
                )
                % {
                    "vehicle": vehicle_label(vehicle),
                    "status": vehicle.get_status_display().lower(),
                    "store": vehicle.store,
                }
            }
        )
    transition_apply(
        vehicle,
        "buy_back",
        actor=by,
        extra={
            "store": appraisal.store,
            "customer": None,
            "mileage": appraisal.mileage,
            "purchase_price": purchase_price,
            "asking_price": asking_price,
            "colour": colour or vehicle.colour,
        },
    )
    return vehicle
