"""vehicle_transfer walked through the engine API: request, approvals, dispatch, receipt, and what is refused."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from engine import api, clock
from engine.errors import InvalidData, NotAllowed
from engine.models import ProcessInstance
from portal.crm.errors import IllegalTransition
from portal.crm.models import ChangeRecord, Store, Transfer
from portal.crm.models.choices import TransferStatus, VehicleStatus
from portal.crm.services.transfers import transfer_request
from portal.crm.services.vehicles import order_create
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import assert_round_trip, make_staff, only_item

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def car(people, stores, settings):
    clock.freeze(START)
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "vehicle_transfer.bpmn"])
    return VehicleFactory(store=stores[1], asking_price=150000)


def _request(people, stores, car, **kw) -> tuple[Transfer, int]:
    transfer = transfer_request(
        by=people["manager"],
        vehicle_id=car.pk,
        to_store_id=stores[0].pk,
        reason="a customer in 上海浦东店 wants this car",
        **kw,
    )
    return transfer, ProcessInstance.objects.get(business_key=f"transfer:{transfer.pk}").pk


def test_an_approved_transfer_moves_the_car_into_the_destination_stock(people, stores, car):
    pudong, westlake = stores
    transfer, iid = _request(people, stores, car)
    approve = only_item(iid, "Approve")
    assert (approve.role, approve.store_id, approve.subject_ref) == (
        "store_manager",
        westlake.pk,
        f"transfer:{transfer.pk}",
    )
    api.complete(approve.pk, user=people["other_manager"], data={"decision": "approve"})
    car.refresh_from_db()
    assert car.status == VehicleStatus.IN_TRANSFER
    buyer = CustomerFactory(home_store=westlake, owner=people["other_sales"])
    with pytest.raises(IllegalTransition, match="“In transfer”"):
        order_create(by=people["other_sales"], customer_id=buyer.pk, vehicle_id=car.pk, price=150000)
    dispatch = only_item(iid, "Dispatch")
    assert (dispatch.role, dispatch.store_id) == ("sales", westlake.pk)
    api.complete(dispatch.pk, user=people["other_sales"], data={"carrier": "Anji", "dispatched_on": "2026-11-03"})
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.IN_TRANSIT
    receive = only_item(iid, "Receive")
    assert receive.store_id == pudong.pk
    api.complete(receive.pk, user=people["sales"], data={"received_on": "2026-11-04", "mileage": 40120})
    car.refresh_from_db()
    assert (car.status, car.store_id, car.mileage) == (VehicleStatus.IN_STOCK, pudong.pk, 40120)
    assert ChangeRecord.objects.filter(
        entity="vehicle", entity_id=car.pk, field="store", new_value__startswith=f"{pudong.pk}:"
    ).exists()
    assert (Transfer.objects.get(pk=transfer.pk).status, api.instance_detail(iid)["status"]) == (
        TransferStatus.RECEIVED,
        "completed",
    )
    steps = {s["element_id"]: s for s in api.process_stats("vehicle_transfer")["steps"]}
    assert steps["Receive"]["done"] == 1
    assert_round_trip(iid)


def test_between_regions_hq_approves_too_and_a_rejection_keeps_the_car_where_it_is(people, stores, settings):
    clock.freeze(START)
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "vehicle_transfer.bpmn"])
    tianhe = Store.objects.create(name="广州天河店", region="华南")
    tianhe_manager = make_staff("tianhe_manager", tianhe, ["store_manager"])
    car = VehicleFactory(store=tianhe)
    transfer, iid = _request(people, stores, car)
    api.complete(only_item(iid, "Approve").pk, user=tianhe_manager, data={"decision": "approve"})
    hq_item = only_item(iid, "HqApprove")
    assert (hq_item.role, hq_item.store_id) == ("hq", None)
    with pytest.raises(InvalidData) as refused:
        api.complete(hq_item.pk, user=people["hq"], data={"decision": "reject"})
    assert "note" in refused.value.errors
    api.complete(hq_item.pk, user=people["hq"], data={"decision": "reject", "note": "广州天河店 needs it for a show"})
    car.refresh_from_db()
    assert (car.status, car.store_id) == (VehicleStatus.IN_STOCK, tianhe.pk)
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.REJECTED
    assert ChangeRecord.objects.get(entity="transfer", entity_id=transfer.pk).note == (
        "rejected: 广州天河店 needs it for a show"
    )
    assert api.instance_detail(iid)["status"] == "completed"
    assert_round_trip(iid)


def test_an_undecided_approval_escalates_to_hq_after_two_days(people, stores, car):
    _, iid = _request(people, stores, car)
    assert api.fire_due_timers(START + timedelta(days=2)) == 1
    chase = only_item(iid, "ChaseApproval")
    assert (chase.role, chase.store_id) == ("hq", None)
    assert [i.pk for i in api.inbox_for(people["hq"]).claimable] == [chase.pk]
    only_item(iid, "Approve")
    assert_round_trip(iid)


def test_only_the_source_stores_manager_may_approve(people, stores, car):
    transfer, iid = _request(people, stores, car)
    approve = only_item(iid, "Approve")
    for who in ("manager", "other_sales", "sales"):  # the requester, the source's salesperson, another store
        with pytest.raises(NotAllowed, match="may not do work item"):
            api.complete(approve.pk, user=people[who], data={"decision": "approve"})
    assert only_item(iid, "Approve").pk == approve.pk
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.REQUESTED
    assert_round_trip(iid)


def test_a_reserved_car_or_one_already_in_transfer_cannot_be_requested(people, stores, car):
    _pudong, westlake = stores
    buyer = CustomerFactory(home_store=westlake, owner=people["other_sales"])
    order_create(by=people["other_sales"], customer_id=buyer.pk, vehicle_id=car.pk, price=150000)
    with pytest.raises(ValidationError, match="is reserved"):
        _request(people, stores, car)
    other = VehicleFactory(store=westlake)
    _request(people, stores, other)
    with pytest.raises(ValidationError, match="already on transfer"):
        _request(people, stores, other)
    assert (Transfer.objects.count(), ProcessInstance.objects.count()) == (1, 1)


def test_a_car_reserved_before_the_approval_calls_the_transfer_off(people, stores, car):
    transfer, iid = _request(people, stores, car)
    buyer = CustomerFactory(home_store=stores[1], owner=people["other_sales"])
    order_create(by=people["other_sales"], customer_id=buyer.pk, vehicle_id=car.pk, price=150000)
    api.complete(only_item(iid, "Approve").pk, user=people["other_manager"], data={"decision": "approve"})
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.REJECTED
    assert "called off: the car is reserved" in ChangeRecord.objects.get(entity="transfer").note
    assert api.instance_detail(iid)["status"] == "completed"
    assert_round_trip(iid)
