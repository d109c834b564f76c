"""The stock thresholds sweep: shortages and surpluses per store and kind of car."""

from engine.models import WorkItem
from portal.crm.automation.thresholds import sweep_thresholds
from portal.crm.models import AcquisitionRequest, Store, Transfer
from portal.crm.models.choices import AcquisitionStatus, TransferStatus
from tests.crm.factories import VehicleFactory


def _suvs(store, count, brand="BYD"):
    return [VehicleFactory(store=store, brand=brand, model="RAV4", vehicle_type="suv") for _ in range(count)]


def test_stores_within_their_thresholds_get_nothing(people, stores):
    pudong, westlake = stores
    _suvs(westlake, 6)
    _suvs(pudong, 3)
    report = sweep_thresholds()
    assert (report.actions["stock_short"], WorkItem.objects.count(), Transfer.objects.count()) == (0, 0, 0)


def test_below_the_minimum_drafts_a_transfer_from_the_largest_surplus(people, stores):
    pudong, westlake = stores
    tianhe = Store.objects.create(name="广州天河店", region="华南")
    _suvs(pudong, 1)
    first = _suvs(westlake, 6)
    _suvs(tianhe, 4)
    sweep_thresholds()
    transfer = Transfer.objects.get()
    assert (transfer.vehicle, transfer.from_store, transfer.to_store, transfer.status) == (
        first[0],
        westlake,
        pudong,
        TransferStatus.DRAFT,
    )
    alert = WorkItem.objects.get(kind="alert", store_id=pudong.pk, title__contains="suv")
    assert alert.role == "store_manager" and "below the minimum of 3" in alert.title


def test_with_no_surplus_anywhere_an_acquisition_request_is_drafted_once(people, stores):
    pudong, westlake = stores
    _suvs(pudong, 1)
    _suvs(westlake, 3)
    sweep_thresholds()
    sweep_thresholds()
    request = AcquisitionRequest.objects.get(store=pudong)
    assert (request.vehicle_type, request.quantity, request.status) == ("suv", 2, AcquisitionStatus.DRAFT)
    assert WorkItem.objects.filter(kind="alert", store_id=pudong.pk, title__contains="suv").count() == 1


def test_a_drafts_reason_is_written_in_the_groups_language(people, stores, settings):
    # The reason is one plain text every reader of the draft sees: a Chinese group reads it in Chinese.
    settings.LANGUAGE_CODE = "zh-hans"
    pudong, westlake = stores
    _suvs(pudong, 1)
    _suvs(westlake, 3)
    sweep_thresholds()
    reason = AcquisitionRequest.objects.get(store=pudong).reason
    assert reason.startswith("库存规则：") and "没有门店有富余" in reason and "surplus" not in reason
