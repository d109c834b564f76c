"""Service functions and form choice providers that processes may use.

Imported at start-up (settings.LOTFLOW["REGISTRY_MODULES"]); BPMN service tasks
and form fields name these, and deploy refuses names that are not registered.
"""

from typing import Any

from django.utils.translation import gettext as _

from engine.api import register_choices, register_service

from .models import ComplaintCause, Role, StaffRole, Store, Vehicle, VehicleStatus
from .services.leads import lead_route


@register_service("crm.store_name")
def store_name(*, store_id: int) -> str:
    """The name of a store, for task subjects and notices."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise LookupError(f"store {store_id} does not exist")
    return store.name


def _staff_choices(role: str, store_id: int | None) -> list[dict[str, Any]]:
    rows = StaffRole.objects.filter(role=role, staff__active=True)
    if store_id is not None:
        rows = rows.filter(staff__store_id=store_id)
    return [
        {"value": username, "label": f"{first} {last} ({username})".strip() if (first or last) else username}
        for username, first, last in rows.order_by("staff__user__username").values_list(
            "staff__user__username", "staff__user__first_name", "staff__user__last_name"
        )
    ]


@register_service("crm.lead_route")
def route_lead(*, lead_id: int) -> dict[str, Any]:
    """Decide where a lead goes (store pool or salesperson) and record the reasons on the LeadIntake."""
    return lead_route(lead_id=lead_id)


@register_choices("stock_of_store")
def stock_of_store(item: Any) -> list[dict[str, Any]]:
    """Vehicles in stock in the work item's store."""
    rows = Vehicle.objects.filter(status=VehicleStatus.IN_STOCK)
    if item.store_id is not None:
        rows = rows.filter(store_id=item.store_id)
    return [
        {"value": pk, "label": f"{brand} {model} {year} ({vin})"}
        for pk, brand, model, year, vin in rows.order_by("brand", "model").values_list(
            "pk", "brand", "model", "year", "vin"
        )[:500]
    ]


@register_choices("cars_of_the_customer")
def cars_of_the_customer(item: Any) -> list[dict[str, Any]]:
    """The cars of the customer the work item is about (its subject ``customer:<id>``), or none."""
    kind, _sep, ref = (item.subject_ref or "").partition(":")
    rows = Vehicle.objects.filter(customer_id=int(ref)) if kind == "customer" and ref.isdigit() else []
    return [{"value": 0, "label": _("No particular car")}] + [
        {"value": v.pk, "label": f"{v.brand} {v.model} {v.plate or v.vin}"} for v in rows
    ]


@register_choices("complaint_causes")
def complaint_causes(item: Any) -> list[dict[str, Any]]:
    """What caused a complaint (the resolution form asks; the service quality report counts them)."""
    return [{"value": value, "label": str(label)} for value, label in ComplaintCause.choices]


@register_choices("sales_of_store")
def sales_of_store(item: Any) -> list[dict[str, Any]]:
    """Active salespeople of the work item's store."""
    return _staff_choices(Role.SALES, item.store_id)


@register_choices("managers_of_store")
def managers_of_store(item: Any) -> list[dict[str, Any]]:
    return _staff_choices(Role.STORE_MANAGER, item.store_id)
