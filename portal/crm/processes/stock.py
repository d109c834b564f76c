"""Service functions of the after-sales and stock processes (return_visit, vehicle_acquisition, vehicle_transfer).

Thin: each calls one function of the process's service module (``return_visits``,
``transfers``, ``acquisitions`` in ``portal.crm.services``) with the task's parameters
(ids, usernames, small values) and returns what it returns.
"""

from typing import Any

from engine.api import register_service

from ..services import acquisitions, return_visits, transfers


@register_service("crm.service_booking")
def service_booking(*, customer_id: int, vehicle_id: int | None = None) -> str:
    """The customer's next booked service appointment, as one line (shown on the return visit)."""
    return return_visits.service_booking(customer_id=customer_id, vehicle_id=vehicle_id)


@register_service("crm.return_visit_open")
def return_visit_open(*, order_id: int, kind: str, due: str) -> int:
    """A ReturnVisit record (due) for the visit about to be made; returns its id."""
    return return_visits.return_visit_open(order_id=order_id, kind=kind, due=due)


@register_service("crm.return_visit_record")
def return_visit_record(*, visit_id: int, score: int, notes: str, by: str) -> int:
    """Record the visit's satisfaction score and notes (ReturnVisit due -> done)."""
    return return_visits.return_visit_record(visit_id=visit_id, score=score, notes=notes, by=by)


@register_service("crm.return_visit_escalate")
def return_visit_escalate(*, visit_id: int, score: int, notes: str) -> int:
    """A low score opens a Complaint (and the complaint process where it is deployed)."""
    return return_visits.return_visit_escalate(visit_id=visit_id, score=score, notes=notes)


@register_service("crm.transfer_approve")
def transfer_approve(*, transfer_id: int, by: str) -> dict[str, Any]:
    """Approved: the car is in transfer; {"ok": False, "reason"} if it was sold or reserved meanwhile."""
    return transfers.transfer_approve(transfer_id=transfer_id, by=by)


@register_service("crm.transfer_reject")
def transfer_reject(*, transfer_id: int, reason: str, by: str = "") -> str:
    """Rejected (or a draft discarded), with the reason in the transfer's history."""
    return transfers.transfer_reject(transfer_id=transfer_id, reason=reason, by=by)


@register_service("crm.transfer_dispatch")
def transfer_dispatch(*, transfer_id: int, by: str) -> str:
    return transfers.transfer_dispatch(transfer_id=transfer_id, by=by)


@register_service("crm.transfer_receive")
def transfer_receive(*, transfer_id: int, by: str, mileage: int | None = None) -> str:
    """Received: the car is in stock in the destination store."""
    return transfers.transfer_receive(transfer_id=transfer_id, by=by, mileage=mileage)


@register_service("crm.acquisition_request_decide")
def acquisition_request_decide(*, request_id: int, approved: bool, reason: str, by: str) -> bool:
    return acquisitions.acquisition_request_decide(request_id=request_id, approved=approved, reason=reason, by=by)


@register_service("crm.appraisal_record")
def appraisal_record(**fields: Any) -> dict[str, Any]:
    """The appraisal record; {"appraisal_id", "needs_approval"}."""
    return acquisitions.appraisal_record(**fields)


@register_service("crm.appraisal_decline")
def appraisal_decline(*, appraisal_id: int, reason: str, by: str) -> str:
    return acquisitions.appraisal_decline(appraisal_id=appraisal_id, reason=reason, by=by)


@register_service("crm.appraisal_purchase")
def appraisal_purchase(*, appraisal_id: int, price: int, method: str, by: str) -> str:
    return acquisitions.appraisal_purchase(appraisal_id=appraisal_id, price=price, method=method, by=by)


@register_service("crm.appraisal_list_in_stock")
def appraisal_list_in_stock(**fields: Any) -> int:
    """The bought car, in stock in the store; returns the vehicle's id."""
    return acquisitions.appraisal_list_in_stock(**fields)
