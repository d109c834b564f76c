"""What a work item is about, read from the CRM by its ``subject_ref`` (``customer:7``, ``vehicle:3``,
``order:37``, ``store:2``): the link to the record, and on the item's page the person to call with
their phone, the car and the appointment. A phone is shown only to someone who may see the customer.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from engine.api import ItemKind, WorkItem
from portal.crm.models import (
    AcquisitionRequest,
    Appointment,
    CustomerPhone,
    Order,
    ReturnVisit,
    Transfer,
    Vehicle,
)
from portal.crm.models.choices import AcquisitionStatus, ReturnVisitStatus, TransferStatus
from portal.crm.scopes import customers_visible_to


def parse_ref(ref: str) -> tuple[str, int] | None:
    kind, _sep, number = (ref or "").partition(":")
    if not kind or not number.isdigit() or len(number) > 18:
        return None
    return kind, int(number)


def subject_links(items: list[WorkItem]) -> dict[int, str]:
    """item id -> the page of the record it is about; an order's is its customer's page.
    At most one query, for the orders among the items."""
    refs = {item.pk: parse_ref(item.subject_ref) for item in items}
    order_ids = {ref[1] for ref in refs.values() if ref and ref[0] == "order"}
    buyers = dict(Order.objects.filter(pk__in=order_ids).values_list("pk", "customer_id")) if order_ids else {}
    links: dict[int, str] = {}
    for pk, ref in refs.items():
        if ref is None:
            continue
        kind, number = ref
        if kind == "customer":
            links[pk] = reverse("crm:customer", args=[number])
        elif kind == "vehicle":
            links[pk] = reverse("crm:vehicle", args=[number])
        elif kind == "order" and number in buyers:
            links[pk] = reverse("crm:customer", args=[buyers[number]])
    return links


@dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclass(frozen=True)
class Subject:
    """What the item's page shows about the record the work is for."""

    url: str = ""
    person: str = ""
    phone: str = ""
    car: str = ""
    car_url: str = ""
    appointment_at: datetime | None = None
    appointment_kind: str = ""
    actions: tuple[Action, ...] = ()

    @property
    def shown(self) -> bool:
        return bool(self.person or self.car or self.appointment_at or self.actions)


def subject_of(item: WorkItem, user: Any) -> Subject:
    """The person, phone, car and appointment of the item's record, in a few fixed queries."""
    ref = parse_ref(item.subject_ref)
    if ref is None:
        return Subject()
    kind, number = ref
    if kind == "store":
        return Subject(actions=_stock_actions(item, number))
    customer_id, vehicle_id = None, _value_id(item, "vehicle_id")
    if kind == "customer":
        customer_id = number
    elif kind == "order":
        found = Order.objects.filter(pk=number).values_list("customer_id", "vehicle_id").first()
        if found:
            customer_id, vehicle_id = found[0], vehicle_id or found[1]
    elif kind == "vehicle":
        vehicle_id = number
    url = subject_links([item]).get(item.pk, "") if kind != "order" else _customer_url(customer_id)
    person = phone = ""
    appointment = None
    if customer_id is not None:
        first_phone = CustomerPhone.objects.filter(customer_id=OuterRef("pk")).order_by("-primary", "id")
        customer = (
            customers_visible_to(user)
            .filter(pk=customer_id)
            .annotate(phone=Subquery(first_phone.values("number")[:1]))
            .values_list("name", "phone")
            .first()
        )
        if customer is not None:
            person, phone = customer[0], customer[1] or ""
            appointment = _appointment(item, customer_id)
            if appointment is not None and appointment.vehicle_id:
                vehicle_id = appointment.vehicle_id
    car = ""
    if vehicle_id is not None:
        vehicle = Vehicle.objects.filter(pk=vehicle_id).only("brand", "model", "plate", "vin").first()
        car = " ".join(part for part in (vehicle.name, vehicle.plate) if part) if vehicle else ""
    return Subject(
        url=url,
        person=person,
        phone=phone,
        actions=_survey_actions(item, customer_id) if person else (),
        car=car,
        car_url=reverse("crm:vehicle", args=[vehicle_id]) if car and vehicle_id is not None else "",
        appointment_at=appointment.at if appointment else None,
        appointment_kind=appointment.get_kind_display() if appointment else "",
    )


def _survey_actions(item: WorkItem, customer_id: int | None) -> tuple[Action, ...]:
    """A return-visit call opens the satisfaction survey of the customer's visit that is due, for the answers
    to be entered during the call (one query, only for that process's items)."""
    if item.kind != ItemKind.TASK or item.process_id != "return_visit" or customer_id is None:
        return ()
    visit_id = (
        ReturnVisit.objects.filter(customer_id=customer_id, status=ReturnVisitStatus.DUE)
        .order_by("due", "id")
        .values_list("pk", flat=True)
        .first()
    )
    if visit_id is None:
        return ()
    return (Action(_("Fill in the satisfaction survey"), reverse("surveys:visit_fill", args=[visit_id])),)


def _customer_url(customer_id: int | None) -> str:
    return reverse("crm:customer", args=[customer_id]) if customer_id is not None else ""


def _value_id(item: WorkItem, name: str) -> int | None:
    value = (item.values or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _appointment(item: WorkItem, customer_id: int) -> Appointment | None:
    """The appointment a reminder is about (its key names it), else the customer's next one."""
    found = Appointment.objects.filter(customer_id=customer_id).only("at", "kind", "vehicle_id")
    key = (item.key or "").split(":")
    if item.kind == ItemKind.REMINDER and len(key) > 2 and key[1] == "test_drive" and key[2].isdigit():
        return found.filter(pk=int(key[2])).first()
    today = timezone.localtime(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return found.filter(at__gte=today, at__lt=today + timedelta(days=60)).order_by("at", "id").first()


def _stock_actions(item: WorkItem, store_id: int) -> tuple[Action, ...]:
    """A stock alert opens what the stock rule drafted for its store: the transfer or the acquisition."""
    if item.kind != ItemKind.ALERT or not (item.key or "").startswith("stock:"):
        return ()
    draft = (
        Transfer.objects.filter(to_store_id=store_id, status=TransferStatus.DRAFT)
        .select_related("vehicle", "from_store")
        .order_by("-id")
        .first()
    )
    if draft is not None:
        return (
            Action(
                _("Request the drafted transfer of %(car)s from %(store)s")
                % {"car": draft.vehicle.name, "store": draft.from_store.name},
                reverse("crm:transfer_new", args=[draft.vehicle_id]),
            ),
        )
    wanted = AcquisitionRequest.objects.filter(store_id=store_id, status=AcquisitionStatus.DRAFT).order_by("-id")
    if wanted.exists():
        return (Action(_("Start the drafted acquisition"), reverse("crm:acquisition_new")),)
    return ()
