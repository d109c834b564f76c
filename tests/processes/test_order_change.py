"""order_change walked through the engine API: approval, hq above the discount threshold, rejection, four eyes."""

from datetime import UTC, datetime

import pytest

from engine import api, clock
from engine.errors import InvalidData, InvalidState, NotAllowed
from portal.crm.models import ChangeRecord, Order
from portal.crm.services.vehicles import order_create
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import assert_round_trip, deploy, make_staff, only_item

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def order(people, stores, settings) -> Order:
    clock.freeze(START)
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "order_change.bpmn"))
    customer = CustomerFactory(name="Li Wei", home_store=stores[0], owner=people["sales"])
    return order_create(
        by=people["sales"],
        customer_id=customer.pk,
        vehicle_id=VehicleFactory(store=stores[0]).pk,
        price=150000,
        deposit=5000,
    )


def request(order: Order, user, **change) -> int:
    iid = api.start(
        "order_change",
        business_key=f"order:{order.pk}",
        user=user,
        data={"store_id": order.store_id, "order_id": order.pk},
    ).instance_id
    api.complete(only_item(iid, "RequestChange").pk, user=user, data={"change_reason": "Customer asked", **change})
    return iid


def notices_of(user) -> list[str]:
    return [i.title for i in api.inbox_for(user).notices]


def test_a_delivery_date_change_approved_by_the_store_manager_is_applied_with_history(order, people):
    iid = request(order, people["sales"], change_kind="delivery_date", new_delivery_date="2026-12-05")
    approval = only_item(iid, "ManagerApproval")
    assert approval.role == "store_manager" and "sales" in approval.excluded
    api.complete(approval.pk, user=people["manager"], data={"decision": "approve"})
    order.refresh_from_db()
    assert order.delivery_at.date().isoformat() == "2026-12-05"
    change = ChangeRecord.objects.get(entity="order", entity_id=order.pk, field="delivery_at")
    assert change.actor == people["manager"] and change.note.startswith("change approved by manager")
    assert any("the delivery date is now" in t for t in notices_of(people["sales"]))
    assert api.instance_detail(iid)["status"] == "completed"
    assert_round_trip(iid)


def test_a_discount_above_the_threshold_goes_to_hq(order, people):
    iid = request(order, people["sales"], change_kind="price", new_price=140000)
    approval = only_item(iid, "HqApproval")
    assert (approval.role, approval.store_id) == ("hq", None)
    assert api.inbox_for(people["manager"]).claimable == []
    api.complete(approval.pk, user=people["hq"], data={"decision": "approve"})
    order.refresh_from_db()
    assert order.price == 140000
    assert_round_trip(iid)


def test_a_rejected_change_leaves_the_order_as_it_was_and_tells_the_requester(order, people):
    iid = request(order, people["sales"], change_kind="payment_method", new_payment_plan="loan")
    approval = only_item(iid, "ManagerApproval")
    with pytest.raises(InvalidData) as refused:
        api.complete(approval.pk, user=people["manager"], data={"decision": "reject"})
    assert set(refused.value.errors) == {"comment"}
    api.complete(approval.pk, user=people["manager"], data={"decision": "reject", "comment": "Not now"})
    order.refresh_from_db()
    assert order.payment_plan == "full"
    assert not ChangeRecord.objects.filter(entity="order", entity_id=order.pk, note__startswith="change").exists()
    assert any("rejected your change: Not now" in t for t in notices_of(people["sales"]))
    assert_round_trip(iid)


def test_nobody_approves_their_own_request(order, people, stores):
    boss = make_staff("boss", stores[0], ["sales", "store_manager"])
    iid = request(order, boss, change_kind="configuration", new_configuration="Sunroof")
    approval = only_item(iid, "ManagerApproval")
    before = api.instance_detail(iid)["state_version"]
    with pytest.raises(NotAllowed):
        api.complete(approval.pk, user=boss, data={"decision": "approve"})
    assert api.instance_detail(iid)["state_version"] == before
    assert only_item(iid, "ManagerApproval").pk == approval.pk
    assert_round_trip(iid)


def test_a_delivered_order_cannot_be_changed(order, people):
    Order.objects.filter(pk=order.pk).update(status="delivered")
    iid = api.start(
        "order_change", user=people["sales"], data={"store_id": order.store_id, "order_id": order.pk}
    ).instance_id
    item = only_item(iid, "RequestChange")
    with pytest.raises(InvalidState, match="it can no longer be changed"):
        api.complete(item.pk, user=people["sales"], data={"change_kind": "price", "new_price": 1, "change_reason": "x"})
    assert only_item(iid, "RequestChange").pk == item.pk
    assert_round_trip(iid)


def test_stats_count_changes_waiting_for_approval(order, people):
    request(order, people["sales"], change_kind="delivery_date", new_delivery_date="2026-12-05")
    steps = {s["element_id"]: s for s in api.process_stats("order_change")["steps"]}
    assert (steps["ManagerApproval"]["waiting"], steps["RequestChange"]["done"]) == (1, 1)
