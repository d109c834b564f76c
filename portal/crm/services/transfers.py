"""The CRM side of the ``vehicle_transfer`` process: a car moving from one store to another.

Starters (``transfer_request`` by a person, ``transfer_submit`` for a draft of the stock rules)
validate first and refuse with the reason, creating nothing. The rest are the steps the
process's service tasks run (registered in ``portal.crm.processes.stock``).
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from engine import api

from ..errors import NotPermitted
from ..fsm import transition_apply
from ..models import Role, Store, Transfer, Vehicle
from ..models.choices import TransferStatus, VehicleStatus
from ..scopes import scope_of
from .common import status_note, user_by_username, vehicle_label, vehicle_labels


def _transferable(vehicle: Vehicle) -> None:
    if vehicle.status != VehicleStatus.IN_STOCK:
        raise ValidationError(
            {
                "vehicle": _("%(vehicle)s is %(status)s; only a car in stock can be transferred.")
                % {"vehicle": vehicle_label(vehicle), "status": vehicle.get_status_display().lower()}
            }
        )
    other = Transfer.objects.filter(
        vehicle=vehicle, status__in=[TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.IN_TRANSIT]
    ).first()
    if other is not None:
        raise ValidationError(
            {
                "vehicle": _("%(vehicle)s is already on transfer #%(transfer)s (%(status)s).")
                % {"vehicle": vehicle_label(vehicle), "transfer": other.pk, "status": other.get_status_display()}
            }
        )


def _transfer_data(transfer: Transfer, *, draft: bool) -> dict[str, Any]:
    vehicle, source, target = transfer.vehicle, transfer.from_store, transfer.to_store
    return {
        "store_id": source.pk,
        "transfer_id": transfer.pk,
        "vehicle_id": vehicle.pk,
        **vehicle_labels(vehicle),
        "from_store_id": source.pk,
        "to_store_id": target.pk,
        "from_store_name": source.name,
        "to_store_name": target.name,
        "reason": transfer.reason,
        "requested_date": transfer.requested_date.isoformat(),
        "value": vehicle.asking_price,
        "draft": draft,
        "needs_hq": vehicle.asking_price > settings.LOTFLOW_TRANSFER_HQ_VALUE or source.region != target.region,
        "requested_by": transfer.requested_by.get_username() if transfer.requested_by else "",
        "note": "",
    }


@transaction.atomic
def transfer_request(
    *, by: Any, vehicle_id: int, to_store_id: int, reason: str, requested_date: date | None = None
) -> Transfer:
    """A person asks for a car to move to another store; starts ``vehicle_transfer`` at the approval."""
    vehicle = Vehicle.objects.select_related("store").select_for_update().filter(pk=vehicle_id).first()
    target = Store.objects.filter(pk=to_store_id).first()
    if vehicle is None or target is None:
        raise ValidationError({"vehicle" if vehicle is None else "to_store": _("No such record.")})
    scope = scope_of(by)
    if not any(scope.holds_in(s, Role.STORE_MANAGER, Role.SALES, Role.HQ) for s in (vehicle.store_id, target.pk)):
        raise NotPermitted(
            _("You cannot request transfers between %(source)s and %(target)s.")
            % {"source": vehicle.store, "target": target}
        )
    if target.pk == vehicle.store_id:
        raise ValidationError(
            {
                "to_store": _("%(vehicle)s is already in %(store)s.")
                % {"vehicle": vehicle_label(vehicle), "store": target}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the car should move.")})
    _transferable(vehicle)
    transfer = Transfer.objects.create(
        vehicle=vehicle,
        from_store_id=vehicle.store_id,
        to_store=target,
        reason=reason.strip()[:300],
        requested_by=by,
        requested_date=requested_date or timezone.localdate(),
    )
    api.start(
        "vehicle_transfer", business_key=f"transfer:{transfer.pk}", user=by, data=_transfer_data(transfer, draft=False)
    )
    return transfer


@transaction.atomic
def transfer_submit(*, transfer_id: int) -> int:
    """Start ``vehicle_transfer`` from a draft of the stock rules, at the manager's review; returns the instance."""
    transfer = Transfer.objects.select_related("vehicle", "from_store", "to_store").get(pk=transfer_id)
    _transferable(transfer.vehicle)
    transition_apply(transfer, "submit", actor=None)
    return api.start(
        "vehicle_transfer", business_key=f"transfer:{transfer.pk}", data=_transfer_data(transfer, draft=True)
    ).instance_id


@transaction.atomic
def transfer_approve(*, transfer_id: int, by: str) -> dict[str, Any]:
    """All approvals given: the car is committed to the move ("in transfer", no longer for sale).

    A car sold or reserved since the request calls the transfer off with the reason.
    """
    actor = user_by_username(by)
    transfer = Transfer.objects.select_related("vehicle").select_for_update().get(pk=transfer_id)
    vehicle = Vehicle.objects.select_for_update().get(pk=transfer.vehicle_id)
    if vehicle.status != VehicleStatus.IN_STOCK:
        reason = f"called off: the car is {vehicle.get_status_display().lower()}"
        transfer_reject(transfer_id=transfer_id, reason=reason, by=by)
        return {"ok": False, "reason": reason}
    transition_apply(transfer, "approve", actor=actor)
    transition_apply(vehicle, "send", actor=actor)
    status_note("transfer", transfer.pk, "requested", "approved", by=actor, note=gettext_noop("approved"))
    return {"ok": True, "reason": ""}


@transaction.atomic
def transfer_reject(*, transfer_id: int, reason: str, by: str = "") -> str:
    actor = user_by_username(by)
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    old = transfer.status
    transition_apply(transfer, "discard" if old == TransferStatus.DRAFT else "reject", actor=actor)
    status_note("transfer", transfer.pk, old, transfer.status, by=actor, note=f"rejected: {reason}")
    return reason


@transaction.atomic
def transfer_dispatch(*, transfer_id: int, by: str) -> str:
    actor = user_by_username(by)
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    transition_apply(transfer, "dispatch", actor=actor)
    status_note("transfer", transfer.pk, "approved", "in_transit", by=actor, note=gettext_noop("dispatched"))
    return transfer.status


@transaction.atomic
def transfer_receive(*, transfer_id: int, by: str, mileage: int | None = None) -> str:
    """Arrived: the car is in stock in the destination store (store change in its history)."""
    actor = user_by_username(by)
    transfer = Transfer.objects.select_related("to_store").select_for_update().get(pk=transfer_id)
    vehicle = Vehicle.objects.select_for_update().get(pk=transfer.vehicle_id)
    extra: dict[str, Any] = {"store": transfer.to_store, "arrived_at": api.now()}  # its stock age restarts
    if mileage and mileage > vehicle.mileage:
        extra["mileage"] = mileage
    transition_apply(transfer, "receive", actor=actor)
    transition_apply(vehicle, "receive", actor=actor, extra=extra)
    status_note("transfer", transfer.pk, "in_transit", "received", by=actor, note=gettext_noop("received"))
    return transfer.status
