"""return_visit, started by a recorded delivery: three timed calls, a booked service shown, low scores complained."""

from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.errors import InvalidData
from engine.models import ProcessInstance, WorkItem
from portal.crm.models import Complaint, ReturnVisit, Vehicle
from portal.crm.models.choices import ReturnVisitStatus, VehicleStatus
from portal.crm.services.vehicles import order_create, order_deliver, payment_record
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import assert_round_trip, make_staff, only_item

DELIVERED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 17:00 in the stores' time zone
FIRST = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # +3 days, 10:00 local
SECOND = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # +30 days
BEFORE_SERVICE = datetime(2027, 4, 24, 2, 0, tzinfo=UTC)  # first service 2027-05-01, 7 days before


@pytest.fixture
def delivered(people, stores, settings):
    clock.freeze(DELIVERED)
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "return_visit.bpmn"])
    people["service"] = make_staff("service", stores[0], ["service"])
    customer = CustomerFactory(name="Wang Fang", home_store=stores[0], owner=people["sales"])
    car = VehicleFactory(store=stores[0])
    order = order_create(by=people["sales"], customer_id=customer.pk, vehicle_id=car.pk, price=150000)
    payment_record(order_id=order.pk, by=people["finance"], method="transfer", amount=150000)
    order_deliver(order_id=order.pk, by=people["manager"], delivered_at=DELIVERED)
    return ProcessInstance.objects.get(business_key=f"order:{order.pk}").pk


def _book_service_from_a_reminder(people, stores) -> None:
    """What a service advisor does with a maintenance reminder: book the visit from its form."""
    car = Vehicle.objects.get(status=VehicleStatus.SOLD)
    api.create_items(
        [
            {
                "kind": "reminder",
                "title": "Maintenance due",
                "role": "service",
                "store_id": stores[0].pk,
                "key": "reminder:maintenance:test",
                "form": "book_service.json",
                "values": {"vehicle_id": car.pk},
            }
        ]
    )
    reminder = WorkItem.objects.get(kind="reminder")
    api.complete(reminder.pk, user=people["service"], data={"at": "2026-11-20T10:00:00+08:00"})


def _call(people, instance_id: int, score: int, notes: str = "") -> None:
    visit = only_item(instance_id, "Visit")
    api.complete(visit.pk, user=people["service"], data={"satisfaction_score": score, "notes": notes})


def test_three_visits_are_called_and_a_low_score_opens_a_complaint(people, stores, delivered):
    iid = delivered
    _book_service_from_a_reminder(people, stores)
    assert api.fire_due_timers(FIRST - timedelta(minutes=1)) == 0
    assert api.fire_due_timers(FIRST) == 1
    visit = only_item(iid, "Visit")
    assert (visit.role, visit.store_id, visit.subject_label) == ("service", stores[0].pk, "Wang Fang")
    # Stored as Markdown that reads the value as text (each page shows it in local words).
    assert r"Service booked: 2026\-11\-20T10:00\+08:00" in visit.instructions
    assert visit.values["service_booking"] == "2026-11-20T10:00+08:00"
    _call(people, iid, 5, "Very happy with the car")
    assert api.fire_due_timers(SECOND) == 1
    _call(people, iid, 2, "The scratch on the door was never fixed")
    complaint = Complaint.objects.get()
    assert (complaint.customer.name, complaint.store_id, complaint.category) == (
        "Wang Fang",
        stores[0].pk,
        "return visit",
    )
    assert "never fixed" in complaint.description
    assert api.fire_due_timers(BEFORE_SERVICE) == 1
    assert "Service booked: —" in only_item(iid, "Visit").instructions  # the booked one has passed
    _call(people, iid, 4)
    visits = list(ReturnVisit.objects.order_by("due").values_list("status", "satisfaction_score", "done_by__username"))
    assert visits == [
        (ReturnVisitStatus.DONE, 5, "service"),
        (ReturnVisitStatus.DONE, 2, "service"),
        (ReturnVisitStatus.DONE, 4, "service"),
    ]
    assert (api.instance_detail(iid)["status"], Complaint.objects.count()) == ("completed", 1)
    steps = {s["element_id"]: s for s in api.process_stats("return_visit")["steps"]}
    assert steps["Visit"]["done"] == 3
    assert_round_trip(iid)


def test_a_call_not_made_within_two_days_escalates_to_the_store_manager(people, delivered):
    api.fire_due_timers(FIRST)
    assert api.fire_due_timers(FIRST + timedelta(days=2)) == 1
    chase = only_item(delivered, "ChaseVisit")
    assert (chase.role, chase.subject_label) == ("store_manager", "Wang Fang")
    only_item(delivered, "Visit")
    assert_round_trip(delivered)


def test_the_visit_days_come_from_settings(people, stores, settings):
    settings.LOTFLOW_RETURN_VISIT_DAYS = {"first": 1, "second": 14, "before_service": 3}
    clock.freeze(DELIVERED)
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "return_visit.bpmn"])
    customer = CustomerFactory(home_store=stores[0], owner=people["sales"])
    order = order_create(
        by=people["sales"], customer_id=customer.pk, vehicle_id=VehicleFactory(store=stores[0]).pk, price=100000
    )
    payment_record(order_id=order.pk, by=people["finance"], method="cash", amount=100000)
    order_deliver(order_id=order.pk, by=people["manager"], delivered_at=DELIVERED)
    iid = ProcessInstance.objects.get(business_key=f"order:{order.pk}").pk
    assert api.instance_detail(iid)["timers"][0]["due_at"] == "2026-11-03T02:00:00+00:00"
    assert_round_trip(iid)


def test_a_score_outside_one_to_five_is_refused_and_the_visit_stays_open(people, delivered):
    api.fire_due_timers(FIRST)
    visit = only_item(delivered, "Visit")
    with pytest.raises(InvalidData) as refused:
        api.complete(visit.pk, user=people["service"], data={"satisfaction_score": 7})
    assert set(refused.value.errors) == {"satisfaction_score"}
    assert only_item(delivered, "Visit").pk == visit.pk
    assert ReturnVisit.objects.get().status == ReturnVisitStatus.DUE
    assert_round_trip(delivered)
