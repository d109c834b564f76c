"""The reminders sweep: things coming due become one work item each for the right person.

Candidates are read in SQL for each kind (follow-up plans, test drives,
maintenance, insurance expiries, birthdays) within ``look_ahead_days`` from the
rule file; the ``reminders`` rules decide who is reminded, and each reminder's
key (kind, record, due date, days before) makes the sweep safe to run twice.
A maintenance or insurance reminder carries a form that books a service visit.
"""

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from engine import api
from engine.api import register_completion

from ..events import reminder_decided
from ..models import Appointment, Customer, FollowUpPlan, InsurancePolicy, MaintenancePlan, Vehicle
from ..models.choices import AppointmentKind, Stage
from .reclaim import SweepReport
from .rules import constants, now_or

SERVICE_FORM = "book_service.json"


def _local_date(at: datetime) -> Any:
    return timezone.localtime(at).date()


def _end_of(day: Any) -> datetime:
    """Midnight after ``day`` in the dealers' time zone: a reminder is due by the end of its day."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _due_things(at: datetime, ahead: int) -> list[dict[str, Any]]:
    """One dict per thing coming due: the fact fields plus what a reminder needs."""
    today = _local_date(at)
    until = today + timedelta(days=ahead)
    things: list[dict[str, Any]] = []
    for plan in FollowUpPlan.objects.filter(done=False, due_at__lt=at + timedelta(days=1)).select_related(
        "customer__home_store"
    ):
        things.append(
            _thing(
                "follow_up",
                plan.pk,
                _local_date(plan.due_at),
                today,
                plan.customer,
                owner_id=plan.owner_id,
                title=_text(
                    gettext_noop("Follow up with %(customer)s: %(purpose)s"),
                    customer=plan.customer.name,
                    purpose=plan.purpose,
                ),
            )
        )
    for visit in Appointment.objects.filter(
        kind=AppointmentKind.TEST_DRIVE, at__gte=at, at__lt=at + timedelta(days=2)
    ).select_related("customer__home_store"):
        things.append(
            _thing(
                "test_drive",
                visit.pk,
                _local_date(visit.at),
                today,
                visit.customer,
                owner_id=visit.customer.owner_id,
                title=_text(gettext_noop("Test drive with %(customer)s tomorrow"), customer=visit.customer.name),
            )
        )
    for service in MaintenancePlan.objects.filter(next_service_date__lte=until).select_related(
        "vehicle__customer", "vehicle__store"
    ):
        things.append(
            _vehicle_thing(
                "maintenance",
                service.pk,
                service.next_service_date,
                today,
                service.vehicle,
                _text(gettext_noop("Maintenance due for %(car)s"), car=service.vehicle.plate or service.vehicle.vin),
            )
        )
    for policy in InsurancePolicy.objects.filter(expires_on__gte=today, expires_on__lte=until).select_related(
        "vehicle__customer", "vehicle__store"
    ):
        car = policy.vehicle.plate or policy.vehicle.vin
        things.append(
            _vehicle_thing(
                f"insurance_{policy.kind}",
                policy.pk,
                policy.expires_on,
                today,
                policy.vehicle,
                _text(INSURANCE_TITLES[policy.kind], car=car, date=policy.expires_on.isoformat()),
            )
        )
    for customer in Customer.objects.filter(
        stage=Stage.CUSTOMER, birthday__month=today.month, birthday__day=today.day
    ).select_related("home_store"):
        things.append(
            _thing(
                "birthday",
                customer.pk,
                today,
                today,
                customer,
                owner_id=customer.owner_id,
                title=_text(gettext_noop("%(customer)s's birthday today"), customer=customer.name),
            )
        )
    return things


# Titles are stored as message ids with their values and shown in each reader's language.
INSURANCE_TITLES = {
    "compulsory": gettext_noop("Compulsory insurance of %(car)s expires on %(date)s"),
    "commercial": gettext_noop("Commercial insurance of %(car)s expires on %(date)s"),
}


def _text(msgid: str, **params: Any) -> dict[str, Any]:
    return api.message(msgid, **params)


def _english(spec: dict[str, Any]) -> str:
    """The text as written in the code: the item's stored title, for searches and old readers."""
    if "msgid" not in spec:  # a rule file's text: as the file writes it
        return str(spec.get("drawn", ""))
    params = {k: _english(v) if isinstance(v, dict) else v for k, v in spec.get("params", {}).items()}
    return spec["msgid"] % params


def _thing(
    kind: str,
    record: int,
    due: Any,
    today: Any,
    customer: Customer,
    *,
    owner_id: int | None,
    title: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "record": record,
        "due": due,
        "days_until": (due - today).days,
        "store_id": customer.home_store_id,
        "store": customer.home_store.name,
        "owner_id": owner_id,
        "customer": customer,
        "title": title,
        **extra,
    }


def _vehicle_thing(
    kind: str, record: int, due: Any, today: Any, vehicle: Vehicle, title: dict[str, Any]
) -> dict[str, Any]:
    customer = vehicle.customer
    return {
        "kind": kind,
        "record": record,
        "due": due,
        "days_until": (due - today).days,
        "store_id": vehicle.store_id,
        "store": vehicle.store.name,
        "owner_id": customer.owner_id if customer else None,
        "customer": customer,
        "title": title,
        "vehicle_id": vehicle.pk,
        "car": vehicle.plate or vehicle.name,
    }


def sweep_reminders(*, now: datetime | None = None, preview: bool = False) -> SweepReport:
    at = now_or(now)
    ahead = int(constants("reminders")["look_ahead_days"])
    things = _due_things(at, ahead)
    report = SweepReport("reminders", at, preview, candidates=len(things))
    facts = [
        {"id": n, "kind": t["kind"], "days_until": t["days_until"], "store": t["store"]} for n, t in enumerate(things)
    ]
    items = []
    for decision in api.evaluate_rules("reminders", facts, at=at, record=not preview):
        thing = things[decision.fact]
        if decision.action != "remind":  # offered by a layer above (a message to the customer)
            report.actions[decision.action] += 1
            if not preview:
                reminder_decided.send(sender=None, action=decision.action, params=decision.params, thing=thing)
            continue
        to, priority = decision.params["to"], int(decision.params.get("priority", 3))
        if to == "owner" and thing["owner_id"] is None:
            to = "store_manager"  # nobody owns the customer: the store's manager sees it
        # Why, in the rule file's words (translated with it), not the rule's code name.
        instructions = (
            api.message(gettext_noop("%(title)s: %(about)s."), title=thing["title"], about=decision.text())
            if decision.about
            else api.message(gettext_noop("%(title)s."), title=thing["title"])
        )
        spec = {
            "kind": "reminder",
            "title": _english(thing["title"]),
            "texts": {"title": thing["title"], "instructions": instructions},
            "priority": priority,
            "store_id": thing["store_id"],
            "key": f"reminder:{thing['kind']}:{thing['record']}:{thing['due'].isoformat()}:{thing['days_until']}",
            "subject_label": thing["customer"].name if thing["customer"] else "",
            "subject_ref": f"customer:{thing['customer'].pk}" if thing["customer"] else "",
            "due_at": _end_of(thing["due"]),
            "instructions": _english(instructions),
        }
        if to == "owner":
            spec["assignee_id"] = thing["owner_id"]
        else:
            spec["role"] = to
        if "vehicle_id" in thing:
            spec["form"] = SERVICE_FORM
            spec["values"] = {"vehicle_id": thing["vehicle_id"]}
        items.append(spec)
        report.actions[f"remind {to}"] += 1
        if preview:
            report.details.append({"key": spec["key"], "to": to, "title": spec["title"]})
    if not preview:
        report.actions["new items"] = api.create_items(items)
    return report


@register_completion(SERVICE_FORM)
def book_service(item: Any, data: dict[str, Any], user: Any) -> None:
    """Completing a maintenance or insurance reminder books a service visit on the vehicle."""
    vehicle = Vehicle.objects.select_related("customer").get(pk=item.values["vehicle_id"])
    customer = vehicle.customer
    if customer is None:
        raise api.InvalidState(f"vehicle {vehicle.pk} has no customer to book a service visit for")
    note = data.get("note", "")
    Appointment.objects.create(
        customer=customer,
        store_id=vehicle.store_id,
        kind=AppointmentKind.SERVICE,
        at=datetime.fromisoformat(data["at"]),
        vehicle=vehicle,
        created_by=user,
        intended_configuration=f"booked from reminder: {note}"[:200] if note else "",
    )
