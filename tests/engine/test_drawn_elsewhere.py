"""Files drawn in bpmn.io or Camunda Modeler run as drawn (issue 19, item 4): lanes bound to roles
by a property, Camunda's extension attributes, a message's payload merged into the process data,
and paths started by a repeating non-interrupting timer that outlive the task it was attached to."""

from datetime import UTC, datetime, timedelta

from engine import api, clock
from engine.models import DueTimer, ItemStatus, WorkItem
from tests.helpers import assert_round_trip, deploy, only_item, open_items

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _elements(instance: int) -> list[str]:
    return sorted(i.element_id for i in open_items(instance))


def _timers(instance: int) -> list[str]:
    return sorted(DueTimer.objects.filter(instance_id=instance).values_list("element_id", flat=True))


# --- a message caught without a message variable ----------------------------------------------


def _deposit(stores, price: int) -> int:
    deploy("payment_merge.bpmn")
    return api.start(
        "payment_merge", business_key="deal-7", data={"store_id": stores[0].pk, "price": price}
    ).instance_id


def test_a_message_without_a_variable_merges_its_payload_and_the_gateway_routes_on_it(stores):
    instance = _deposit(stores, 150000)
    api.correlate_message("deposit_paid", business_key="deal-7", data={"amount": 150000, "method": "card"})
    assert _elements(instance) == ["Activity_handover"]
    detail = api.instance_detail(instance)
    assert detail["incidents"] == []
    assert_round_trip(instance)


def test_the_merged_payload_routes_a_short_payment_the_other_way(stores, people):
    instance = _deposit(stores, 150000)
    api.correlate_message("deposit_paid", business_key="deal-7", data={"amount": 90000})
    item = only_item(instance, "Activity_chase")
    api.complete(item.pk, user=people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


# --- a repeating non-interrupting timer's paths outlive its host --------------------------------


def _callback(stores) -> int:
    clock.freeze(START)
    deploy("callback_reminders.bpmn")
    return api.start("callback_reminders", data={"store_id": stores[0].pk}).instance_id


def test_each_cycle_of_the_timer_opens_a_reminder_while_the_host_task_is_open(stores):
    instance = _callback(stores)
    assert _timers(instance) == ["Event_hourly"]
    assert api.fire_due_timers(START + HOUR) == 1
    assert api.fire_due_timers(START + 2 * HOUR) == 1
    assert _elements(instance) == ["Activity_callback", "Activity_remind", "Activity_remind"]
    assert only_item(instance, "Activity_callback").role == "sales"
    assert {i.role for i in open_items(instance) if i.element_id == "Activity_remind"} == {"store_manager"}
    assert_round_trip(instance)


def test_completing_the_host_task_stops_the_timer_and_keeps_its_open_reminder(stores, people):
    instance = _callback(stores)
    api.fire_due_timers(START + HOUR)
    api.complete(only_item(instance, "Activity_callback").pk, user=people["sales"])
    assert _elements(instance) == ["Activity_remind"]
    assert _timers(instance) == []
    assert api.fire_due_timers(START + 5 * HOUR) == 0
    assert _elements(instance) == ["Activity_remind"]
    assert api.instance_detail(instance)["status"] == "running"
    assert_round_trip(instance)
    reminder = only_item(instance, "Activity_remind")
    api.complete(reminder.pk, user=people["manager"])
    assert WorkItem.objects.get(pk=reminder.pk).status == ItemStatus.DONE
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_a_completed_reminder_and_the_host_task_end_the_instance(stores, people):
    instance = _callback(stores)
    api.fire_due_timers(START + HOUR)
    api.complete(only_item(instance, "Activity_remind").pk, user=people["manager"])
    assert _elements(instance) == ["Activity_callback"]
    assert _timers(instance) == ["Event_hourly"]
    api.complete(only_item(instance, "Activity_callback").pk, user=people["sales"])
    assert (_elements(instance), _timers(instance)) == ([], [])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)
