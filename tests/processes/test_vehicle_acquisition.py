"""vehicle_acquisition walked through the engine API: appraisal, approval, purchase, reconditioning, listing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from engine import api, clock
from engine.errors import InvalidData, NotAllowed
from portal.crm.models import Appraisal, ChangeRecord, ServiceRecord, Vehicle
from portal.crm.models.choices import AppraisalStatus, VehicleStatus
from portal.crm.services.acquisitions import acquisition_start
from tests.crm.factories import CustomerFactory, valid_vin
from tests.helpers import assert_round_trip, make_staff, only_item

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def appraisal(price: int, vin: str | None = None) -> dict:
    return {
        "seller_name": "Zhang Min",
        "seller_phone": "13900000001",
        "vin": vin or valid_vin(),
        "brand": "Honda",
        "model": "CR-V",
        "mileage": 61000,
        "condition": "Light scratches on the rear bumper",
        "history": "One owner, no accidents, serviced at 4S stores",
        "photos": "crv-front.jpg\ncrv-rear.jpg",
        "offered_price": price,
    }


@pytest.fixture
def started(people, stores, settings):
    clock.freeze(START)
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "vehicle_acquisition.bpmn"])
    people["service"] = make_staff("service", stores[0], ["service"])
    customer = CustomerFactory(home_store=stores[0], owner=people["sales"], stage="customer")
    return acquisition_start(by=people["sales"], store_id=stores[0].pk, source="trade_in", customer_id=customer.pk)


def test_a_trade_in_is_appraised_approved_bought_reconditioned_and_listed(people, stores, started):
    iid = started
    appraise = only_item(iid, "Appraise")
    assert (appraise.role, appraise.store_id) == ("service", stores[0].pk)
    vin = valid_vin()
    api.complete(appraise.pk, user=people["service"], data=appraisal(120000, vin))
    assert Appraisal.objects.get(vin=vin).status == AppraisalStatus.OFFERED
    api.complete(only_item(iid, "ApproveOffer").pk, user=people["manager"], data={"decision": "approve"})
    purchase = only_item(iid, "Purchase")
    assert purchase.role == "finance"
    api.complete(
        purchase.pk,
        user=people["finance"],
        data={"purchase_price": 118000, "method": "transfer", "paid_on": "2026-11-03"},
    )
    assert Appraisal.objects.get(vin=vin).status == AppraisalStatus.PURCHASED
    api.complete(
        only_item(iid, "Recondition").pk,
        user=people["service"],
        data={"work_done": "Bumper repainted, full service", "cost": 3500},
    )
    api.complete(
        only_item(iid, "ListCar").pk,
        user=people["manager"],
        data={"asking_price": 139000, "year": 2021, "vehicle_type": "suv", "colour": "white"},
    )
    car = Vehicle.objects.get(vin=vin)
    assert (car.status, car.store_id, car.purchase_price, car.asking_price, car.mileage) == (
        VehicleStatus.IN_STOCK,
        stores[0].pk,
        118000,
        139000,
        61000,
    )
    assert ServiceRecord.objects.get(vehicle=car).cost == 3500
    assert api.instance_detail(iid)["status"] == "completed"
    steps = {s["element_id"]: s for s in api.process_stats("vehicle_acquisition")["steps"]}
    assert steps["ListCar"]["done"] == 1
    assert_round_trip(iid)


def test_an_offer_within_the_limit_goes_straight_to_finance(people, started):
    api.complete(only_item(started, "Appraise").pk, user=people["service"], data=appraisal(80000))
    only_item(started, "Purchase")
    assert_round_trip(started)


def test_a_rejected_appraisal_ends_with_the_reason(people, started):
    vin = valid_vin()
    api.complete(only_item(started, "Appraise").pk, user=people["service"], data=appraisal(200000, vin))
    api.complete(
        only_item(started, "ApproveOffer").pk,
        user=people["manager"],
        data={"decision": "reject", "note": "Too much for a car with that mileage"},
    )
    found = Appraisal.objects.get(vin=vin)
    assert found.status == AppraisalStatus.DECLINED
    assert ChangeRecord.objects.get(entity="appraisal", entity_id=found.pk).note == (
        "rejected: Too much for a car with that mileage"
    )
    assert api.instance_detail(started)["status"] == "completed"
    assert not Vehicle.objects.filter(vin=vin).exists()
    assert_round_trip(started)


def test_an_undecided_offer_escalates_to_hq_after_a_day(people, started):
    api.complete(only_item(started, "Appraise").pk, user=people["service"], data=appraisal(150000))
    assert api.fire_due_timers(START + timedelta(hours=23)) == 0
    assert api.fire_due_timers(START + timedelta(days=1)) == 1
    chase = only_item(started, "ChaseOffer")
    assert (chase.role, chase.store_id) == ("hq", None)
    only_item(started, "ApproveOffer")
    assert_round_trip(started)


def test_nothing_is_bought_without_a_full_appraisal(people, started):
    appraise = only_item(started, "Appraise")
    with pytest.raises(InvalidData) as refused:
        api.complete(appraise.pk, user=people["service"], data={"seller_name": "Zhang Min", "offered_price": 90000})
    assert {"vin", "mileage", "condition", "history", "photos"} <= set(refused.value.errors)
    assert only_item(started, "Appraise").pk == appraise.pk and not Appraisal.objects.exists()
    assert_round_trip(started)


def test_only_a_store_manager_other_than_the_appraiser_may_approve_the_offer(people, stores, started):
    people["service"] = make_staff("service_manager", stores[0], ["service", "store_manager"])
    api.complete(only_item(started, "Appraise").pk, user=people["service"], data=appraisal(150000))
    approve = only_item(started, "ApproveOffer")
    for who in (people["service"], people["sales"], people["other_manager"]):
        with pytest.raises(NotAllowed):
            api.complete(approve.pk, user=who, data={"decision": "approve"})
    assert only_item(started, "ApproveOffer").pk == approve.pk
    assert Appraisal.objects.get().status == AppraisalStatus.OFFERED
    assert_round_trip(started)


def test_a_trade_in_needs_its_customer(people, stores, started):
    with pytest.raises(ValidationError, match="needs the customer"):
        acquisition_start(by=people["sales"], store_id=stores[0].pk, source="trade_in")


def _buy_and_list(iid: int, people, vin: str) -> None:
    api.complete(only_item(iid, "Appraise").pk, user=people["service"], data=appraisal(80000, vin))
    api.complete(
        only_item(iid, "Purchase").pk,
        user=people["finance"],
        data={"purchase_price": 78000, "method": "transfer", "paid_on": "2026-11-03"},
    )
    api.complete(
        only_item(iid, "Recondition").pk, user=people["service"], data={"work_done": "Full service", "cost": 800}
    )
    api.complete(
        only_item(iid, "ListCar").pk,
        user=people["manager"],
        data={"asking_price": 96000, "year": 2019, "vehicle_type": "suv"},
    )


def test_a_car_the_group_sold_comes_back_as_the_same_record_in_stock(people, stores, started):
    vin = valid_vin()
    buyer = CustomerFactory(home_store=stores[1], owner=people["other_sales"], stage="customer")
    sold = Vehicle.objects.create(
        vin=vin,
        brand="Honda",
        model="CR-V",
        vehicle_type="suv",
        year=2019,
        colour="white",
        mileage=20000,
        asking_price=160000,
        store=stores[1],
        status=VehicleStatus.SOLD,
        customer=buyer,
    )
    _buy_and_list(started, people, vin)
    car = Vehicle.objects.get(vin=vin)
    assert car.pk == sold.pk and api.instance_detail(started)["status"] == "completed"
    assert (
        car.status,
        car.store_id,
        car.customer_id,
        car.mileage,
        car.purchase_price,
        car.asking_price,
        car.colour,
    ) == (VehicleStatus.IN_STOCK, stores[0].pk, None, 61000, 78000, 96000, "white")
    changes = {
        (c.field, c.old_value, c.new_value) for c in ChangeRecord.objects.filter(entity="vehicle", entity_id=car.pk)
    }
    assert {("status", "sold", "in_stock"), ("mileage", "20000", "61000")} <= changes
    assert_round_trip(started)


def test_a_car_the_group_still_holds_is_not_bought_twice(people, stores, started):
    vin = valid_vin()
    Vehicle.objects.create(
        vin=vin,
        brand="Honda",
        model="CR-V",
        vehicle_type="suv",
        year=2019,
        mileage=20000,
        asking_price=160000,
        store=stores[1],
    )
    _buy_and_list(started, people, vin)
    [incident] = api.instance_detail(started)["incidents"]
    assert "the group holds it, so the appraisal's VIN must be wrong" in incident["error"]
    assert Vehicle.objects.get(vin=vin).store_id == stores[1].pk
    assert_round_trip(started)
