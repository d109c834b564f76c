"""Error end events fail an instance or are caught by an error boundary event; a manager,
hq or admin may cancel a running instance, and everything it waits on ends with it."""

from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.errors import InvalidData, InvalidState, NotAllowed
from engine.models import DueTimer, ItemStatus, MessageWait, ProcessInstance, WorkItem
from tests.helpers import assert_round_trip, deploy, only_item, open_items

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _start(process_id: str, stores, key: str = "") -> int:
    clock.freeze(START)
    deploy(f"{process_id}.bpmn")
    return api.start(process_id, business_key=key, data={"store_id": stores[0].pk}).instance_id


def _check_stock(instance: int, user, available: bool) -> None:
    api.complete(only_item(instance, "CheckStock").pk, user=user, data={"available": available})


# --- error end events ----------------------------------------------------------------------


def test_an_uncaught_error_end_event_fails_the_instance_with_the_error_code(stores, people):
    instance = _start("vehicle_reservation", stores)
    _check_stock(instance, people["sales"], available=False)
    detail = api.instance_detail(instance)
    assert (detail["status"], detail["end_reason"], detail["open_tasks"]) == (
        "failed",
        "ended in error VEHICLE_SOLD",
        [],
    )
    assert detail["ended_at"] == START.isoformat()
    assert_round_trip(instance)


def test_the_normal_path_of_the_same_process_completes(stores, people):
    instance = _start("vehicle_reservation", stores)
    _check_stock(instance, people["sales"], available=True)
    api.complete(only_item(instance, "ReserveVehicle").pk, user=people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_an_error_boundary_event_catches_the_subprocess_error(stores, people):
    instance = _start("reservation_fallback", stores)
    _check_stock(instance, people["sales"], available=False)
    assert [i.element_id for i in open_items(instance)] == ["OfferAlternative"]
    assert api.instance_detail(instance)["status"] == "running"
    assert_round_trip(instance)


def test_a_caught_error_lets_the_instance_complete_normally(stores, people):
    instance = _start("reservation_fallback", stores)
    _check_stock(instance, people["sales"], available=False)
    api.complete(only_item(instance, "OfferAlternative").pk, user=people["sales"])
    detail = api.instance_detail(instance)
    assert (detail["status"], detail["end_reason"]) == ("completed", "")
    assert_round_trip(instance)


def test_without_the_error_the_subprocess_leaves_by_its_normal_flow(stores, people):
    instance = _start("reservation_fallback", stores)
    _check_stock(instance, people["sales"], available=True)
    assert [i.element_id for i in open_items(instance)] == ["ConfirmReservation"]
    assert_round_trip(instance)


# --- cancel ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "hq", "admin"])
def test_a_manager_hq_or_admin_cancels_a_running_instance(stores, people, who):
    instance = _start("contact_sla", stores)
    api.cancel(instance, user=people[who], reason="customer bought elsewhere")
    detail = api.instance_detail(instance)
    assert (detail["status"], detail["end_reason"]) == ("cancelled", "customer bought elsewhere")
    assert (detail["audit"][-1]["action"], detail["audit"][-1]["actor"]) == ("cancelled", who)
    assert_round_trip(instance)


def test_cancelling_cancels_open_items_and_removes_timers(stores, people):
    instance = _start("contact_sla", stores)
    call = only_item(instance, "CallCustomer")
    api.cancel(instance, user=people["manager"], reason="duplicate lead")
    assert WorkItem.objects.get(pk=call.pk).status == ItemStatus.CANCELLED
    assert not DueTimer.objects.filter(instance_id=instance).exists()
    assert api.inbox_for(people["sales"]).claimable == []
    assert api.fire_due_timers(START + timedelta(days=2)) == 0
    assert_round_trip(instance)


def test_cancelling_stops_waiting_for_messages(stores, people):
    deploy("order_payment.bpmn")
    instance = api.start(
        "order_payment", business_key="order-5", data={"store_id": stores[0].pk, "price": 1}
    ).instance_id
    api.cancel(instance, user=people["manager"], reason="withdrawn by phone")
    assert not MessageWait.objects.filter(instance_id=instance).exists()
    assert_round_trip(instance)


@pytest.mark.parametrize("who", ["sales", "finance", "other_manager"])
def test_cancel_is_refused_for_anyone_else_and_changes_nothing(stores, people, who):
    instance = _start("contact_sla", stores)
    version = ProcessInstance.objects.get(pk=instance).version
    with pytest.raises(NotAllowed):
        api.cancel(instance, user=people[who], reason="not mine to cancel")
    assert (api.instance_detail(instance)["status"], ProcessInstance.objects.get(pk=instance).version) == (
        "running",
        version,
    )
    assert [i.element_id for i in open_items(instance)] == ["CallCustomer"]
    assert DueTimer.objects.filter(instance_id=instance).count() == 2
    assert_round_trip(instance)


def test_cancel_needs_a_reason(stores, people):
    instance = _start("contact_sla", stores)
    with pytest.raises(InvalidData):
        api.cancel(instance, user=people["manager"], reason="  ")
    assert api.instance_detail(instance)["status"] == "running"
    assert_round_trip(instance)


def test_an_instance_that_ended_cannot_be_cancelled(stores, people):
    instance = _start("contact_sla", stores)
    api.cancel(instance, user=people["manager"], reason="duplicate lead")
    with pytest.raises(InvalidState):
        api.cancel(instance, user=people["manager"], reason="again")
    assert api.instance_detail(instance)["end_reason"] == "duplicate lead"
    assert_round_trip(instance)
