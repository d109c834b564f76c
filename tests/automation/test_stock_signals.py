"""A change of stock queues a thresholds check for each store it touches, on the broker the
workers read (the filesystem transport here, Redis when REDIS_URL is set)."""

from portal.crm.fsm import transition_apply
from portal.crm.models import VehicleStatus
from tests.crm.factories import VehicleFactory
from tests.helpers import queued


def _queued_checks() -> list[list]:
    """The store ids of the thresholds checks on the broker."""
    return queued("workers.tasks.stock_changed")


def test_a_car_received_from_a_transfer_queues_both_stores(people, stores, django_capture_on_commit_callbacks):
    pudong, westlake = stores
    with django_capture_on_commit_callbacks(execute=True):
        car = VehicleFactory(store=pudong)
    _queued_checks()
    with django_capture_on_commit_callbacks(execute=True):
        transition_apply(car, "send", actor=people["manager"])
    assert _queued_checks() == [[pudong.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        transition_apply(car, "receive", actor=people["other_manager"], extra={"store": westlake})
    assert sorted(_queued_checks()) == [[pudong.pk], [westlake.pk]]


def test_a_car_bought_back_queues_its_new_store_and_a_rolled_back_change_queues_nothing(
    people, stores, django_capture_on_commit_callbacks
):
    pudong, westlake = stores
    with django_capture_on_commit_callbacks(execute=True):
        car = VehicleFactory(store=pudong, status=VehicleStatus.SOLD)
    _queued_checks()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition_apply(car, "buy_back", actor=people["other_manager"], extra={"store": westlake})
    assert _queued_checks() == [] and len(callbacks) == 1  # queued only when the change commits
    for callback in callbacks:
        callback()
    assert sorted(_queued_checks()) == [[pudong.pk], [westlake.pk]]


def test_one_transaction_that_changes_many_cars_queues_one_check_per_store(stores, django_capture_on_commit_callbacks):
    pudong, westlake = stores
    _queued_checks()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(5):
            VehicleFactory(store=pudong)
        VehicleFactory(store=westlake)
    assert len(callbacks) == 1
    assert sorted(_queued_checks()) == [[pudong.pk], [westlake.pk]]
