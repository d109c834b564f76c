"""Message catch events: an instance waits for a named message under its business key,
and correlate_message delivers the message's data to it."""

import pytest

from engine import api
from engine.errors import InvalidData, NotFound
from engine.models import ItemStatus, MessageWait, ProcessInstance, WorkItem
from tests.helpers import assert_round_trip, deploy, only_item, open_items


@pytest.fixture
def order(stores, people):
    """An order with key order-1 whose contract is prepared: it waits for the payment."""
    instance = _order(stores, "order-1")
    api.complete(only_item(instance, "PrepareContract").pk, user=people["sales"])
    return instance


def _order(stores, key: str) -> int:
    deploy("order_payment.bpmn")
    return api.start("order_payment", business_key=key, data={"store_id": stores[0].pk, "price": 150000}).instance_id


def _waits(instance: int) -> list[tuple[str, str, str]]:
    return sorted(MessageWait.objects.filter(instance_id=instance).values_list("element_id", "name", "business_key"))


def test_a_waiting_message_event_is_recorded_with_the_business_key(order):
    assert _waits(order) == [("PaymentReceived", "payment_received", "order-1")]
    assert open_items(order) == []
    assert_round_trip(order)


def test_the_message_data_reaches_the_process_and_decides_its_route(order):
    api.correlate_message("payment_received", business_key="order-1", data={"amount": 150000, "method": "card"})
    item = only_item(order, "HandOver")
    assert item.instructions == "Paid 150000 by card."
    assert _waits(order) == []
    assert_round_trip(order)


def test_a_short_payment_goes_to_finance(order):
    api.correlate_message("payment_received", business_key="order-1", data={"amount": 100000, "method": "cash"})
    assert only_item(order).element_id == "ChaseBalance"
    assert_round_trip(order)


def test_only_the_instance_with_the_business_key_receives_the_message(order, stores, people):
    other = _order(stores, "order-2")
    api.complete(only_item(other, "PrepareContract").pk, user=people["sales"])
    api.correlate_message("payment_received", business_key="order-2", data={"amount": 150000, "method": "card"})
    assert (open_items(order), _waits(order)) == ([], [("PaymentReceived", "payment_received", "order-1")])
    assert only_item(other).element_id == "HandOver"
    assert_round_trip(order)
    assert_round_trip(other)


def test_delivering_a_message_is_audited_with_its_data(order):
    api.correlate_message("payment_received", business_key="order-1", data={"amount": 1, "method": "cash"})
    event = api.instance_detail(order)["audit"][-1]
    assert (event["action"], event["data"]) == (
        "message",
        {"message": "payment_received", "data": {"amount": 1, "method": "cash"}},
    )
    assert_round_trip(order)


def test_a_message_boundary_event_interrupts_the_task_it_is_attached_to(stores):
    instance = _order(stores, "order-3")
    contract = only_item(instance, "PrepareContract")
    api.correlate_message("order_withdrawn", business_key="order-3")
    assert WorkItem.objects.get(pk=contract.pk).status == ItemStatus.CANCELLED
    assert (api.instance_detail(instance)["status"], _waits(instance)) == ("completed", [])
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("payment_received", "order-9"),  # nobody waits under this key
        ("order_withdrawn", "order-1"),  # the order no longer waits for a withdrawal
        ("vehicle_sold", "order-1"),  # no process knows this message
    ],
)
def test_a_message_nobody_waits_for_is_not_found_and_changes_nothing(order, name, key):
    version = ProcessInstance.objects.get(pk=order).version
    with pytest.raises(NotFound):
        api.correlate_message(name, business_key=key, data={"amount": 1})
    assert ProcessInstance.objects.get(pk=order).version == version
    assert_round_trip(order)


def test_the_same_message_twice_is_not_delivered_twice(order):
    api.correlate_message("payment_received", business_key="order-1", data={"amount": 150000, "method": "card"})
    with pytest.raises(NotFound):
        api.correlate_message("payment_received", business_key="order-1", data={"amount": 150000, "method": "card"})
    assert [i.element_id for i in open_items(order)] == ["HandOver"]
    assert_round_trip(order)


def test_message_data_that_is_not_an_object_is_refused(order):
    with pytest.raises(InvalidData):
        api.correlate_message("payment_received", business_key="order-1", data=[150000])
    assert _waits(order) == [("PaymentReceived", "payment_received", "order-1")]
    assert_round_trip(order)
