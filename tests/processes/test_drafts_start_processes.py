"""The drafts of the inventory_thresholds sweep start their processes at the store manager's review."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from engine import api, clock
from engine.models import ProcessInstance
from portal.crm.models import AcquisitionRequest, Transfer
from portal.crm.models.choices import AcquisitionStatus, TransferStatus, VehicleStatus
from portal.crm.services.vehicles import order_create
from portal.crm.sweeps import SWEEPS
from portal.inbox.values import instructions_shown
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import assert_round_trip, only_item


@pytest.fixture
def deployed(people, settings):
    clock.freeze(datetime(2026, 11, 2, 19, 0, tzinfo=UTC))  # 03:00 in the stores' time zone
    process_dir = settings.LOTFLOW["PROCESS_DIR"]
    api.deploy_paths([process_dir / "vehicle_transfer.bpmn", process_dir / "vehicle_acquisition.bpmn"])


def _suvs(store, count):
    return [VehicleFactory(store=store, brand="BYD", model="Tang", vehicle_type="suv") for _ in range(count)]


def test_a_drafted_transfer_waits_for_the_short_stores_manager_then_the_source_approves(people, stores, deployed):
    pudong, westlake = stores
    _suvs(pudong, 1)
    _suvs(westlake, 6)
    report = SWEEPS["thresholds"]()
    transfer = Transfer.objects.get()
    assert (transfer.status, report.actions["submitted transfer"]) == (TransferStatus.REQUESTED, 1)
    iid = ProcessInstance.objects.get(business_key=f"transfer:{transfer.pk}").pk
    review = only_item(iid, "ReviewDraft")
    assert (review.role, review.store_id) == ("store_manager", pudong.pk)
    assert review.pk in [i.pk for i in api.inbox_for(people["manager"]).claimable]
    assert "stock rule" in review.values["reason"]
    api.complete(review.pk, user=people["manager"], data={"decision": "submit"})
    assert only_item(iid, "Approve").store_id == westlake.pk
    assert_round_trip(iid)


def test_a_discarded_draft_transfer_is_rejected_with_the_reason(people, stores, deployed):
    _suvs(stores[0], 1)
    _suvs(stores[1], 6)
    SWEEPS["thresholds"]()
    iid = ProcessInstance.objects.get(process_id="vehicle_transfer").pk
    api.complete(
        only_item(iid, "ReviewDraft").pk,
        user=people["manager"],
        data={"decision": "discard", "note": "We sell few SUVs in winter"},
    )
    assert Transfer.objects.get().status == TransferStatus.REJECTED
    assert api.instance_detail(iid)["status"] == "completed"
    assert_round_trip(iid)


def test_a_requests_subject_names_the_kind_of_car_in_no_one_language():
    from portal.crm.models import AcquisitionRequest as Request
    from portal.crm.services.acquisitions import _kind_wanted

    assert _kind_wanted(Request(vehicle_type="sedan")) == "轿车 / Sedan"
    assert _kind_wanted(Request(vehicle_type="suv")) == "SUV"
    assert _kind_wanted(Request(brand="Toyota", model="RAV4", vehicle_type="suv")) == "Toyota RAV4"


def test_a_drafted_acquisition_request_waits_for_the_manager_and_approval_leads_to_appraisal(people, stores, deployed):
    _suvs(stores[0], 1)
    _suvs(stores[1], 3)
    SWEEPS["thresholds"]()
    request = AcquisitionRequest.objects.get()
    assert request.status == AcquisitionStatus.REQUESTED
    iid = ProcessInstance.objects.get(business_key=f"acquisition-request:{request.pk}").pk
    review = only_item(iid, "ReviewRequest")
    assert (review.role, review.store_id, review.subject_label) == ("store_manager", stores[0].pk, "2 × SUV")
    api.complete(review.pk, user=people["manager"], data={"decision": "approve"})
    assert AcquisitionRequest.objects.get().status == AcquisitionStatus.APPROVED
    only_item(iid, "Appraise")
    assert_round_trip(iid)


def test_a_draft_whose_car_was_sold_meanwhile_is_discarded_not_started(people, stores, settings):
    pudong, westlake = stores
    _suvs(pudong, 1)
    cars = _suvs(westlake, 6)
    SWEEPS["thresholds"]()  # nothing deployed yet: the draft stays a draft
    transfer = Transfer.objects.get(status=TransferStatus.DRAFT)
    buyer = CustomerFactory(home_store=westlake, owner=people["other_sales"])
    order_create(by=people["other_sales"], customer_id=buyer.pk, vehicle_id=cars[0].pk, price=150000)
    assert transfer.vehicle_id == cars[0].pk and cars[0].status == VehicleStatus.IN_STOCK
    api.deploy_paths(
        [
            settings.LOTFLOW["PROCESS_DIR"] / "vehicle_transfer.bpmn",
            settings.LOTFLOW["PROCESS_DIR"] / "vehicle_acquisition.bpmn",
        ]
    )
    report = SWEEPS["thresholds"]()
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.REJECTED
    assert report.actions["discarded draft"] == 1
    assert not ProcessInstance.objects.filter(business_key=f"transfer:{transfer.pk}").exists()


def test_a_transfers_chinese_instructions_name_the_car_as_chinese_staff_do(people, stores, deployed):
    pudong, westlake = stores
    _suvs(pudong, 1)
    _suvs(westlake, 6)
    SWEEPS["thresholds"]()
    transfer = Transfer.objects.get()
    review = only_item(ProcessInstance.objects.get(business_key=f"transfer:{transfer.pk}").pk, "ReviewDraft")
    with translation.override("zh-hans"):
        chinese = instructions_shown(review)
    with translation.override("en"):
        english = instructions_shown(review)
    # (the parentheses around the VIN come escaped: a value reads as text in Markdown)
    assert f"比亚迪 唐 {transfer.vehicle.year} \\({transfer.vehicle.vin}\\)" in chinese and "BYD" not in chinese
    assert f"BYD Tang {transfer.vehicle.year}" in english
