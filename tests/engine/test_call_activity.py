"""Call activities: the called process's version is fixed when the caller starts."""

import pytest

from engine import api
from tests.helpers import assert_round_trip, deploy, make_staff, only_item, open_items


@pytest.fixture
def mechanic(stores):
    return make_staff("mechanic", stores[0], ["service"])


def _purchase(stores) -> int:
    return api.start("vehicle_purchase", data={"store_id": stores[0].pk}).instance_id


def _inspect(instance: int, mechanic, condition: str = "good") -> None:
    api.complete(only_item(instance, "InspectVehicle").pk, user=mechanic, data={"condition": condition})


def test_the_called_process_opens_its_task_in_the_callers_instance(stores):
    deploy("inspection_v1.bpmn")
    deploy("vehicle_purchase.bpmn")
    instance = _purchase(stores)
    item = only_item(instance)
    assert (item.element_id, item.role, item.process_id) == ("InspectVehicle", "service", "vehicle_purchase")
    assert api.form_for(item)["required"] == ["condition"]
    assert_round_trip(instance)


def test_the_called_process_hands_its_data_back_to_the_caller(stores, mechanic):
    deploy("inspection_v1.bpmn")
    deploy("vehicle_purchase.bpmn")
    instance = _purchase(stores)
    _inspect(instance, mechanic, "fair")
    assert only_item(instance, "MakeOffer").instructions == "The car is in fair condition."
    assert_round_trip(instance)


def test_the_callee_version_is_fixed_when_the_caller_starts(stores):
    deploy("inspection_v1.bpmn")
    deploy("vehicle_purchase.bpmn")
    instance = _purchase(stores)
    deploy("inspection_v2.bpmn")
    assert api.instance_detail(instance)["called_process_versions"] == {"vehicle_inspection": 1}
    assert_round_trip(instance)


def test_a_running_caller_finishes_on_the_callee_version_it_started_with(stores, mechanic, people):
    deploy("inspection_v1.bpmn")
    deploy("vehicle_purchase.bpmn")
    instance = _purchase(stores)
    deploy("inspection_v2.bpmn")
    _inspect(instance, mechanic)
    assert [i.element_id for i in open_items(instance)] == ["MakeOffer"]  # no v2 photograph task
    api.complete(only_item(instance, "MakeOffer").pk, user=people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_a_caller_started_after_the_new_callee_version_uses_it(stores, mechanic):
    deploy("inspection_v1.bpmn")
    deploy("vehicle_purchase.bpmn")
    deploy("inspection_v2.bpmn")
    instance = _purchase(stores)
    _inspect(instance, mechanic)
    assert api.instance_detail(instance)["called_process_versions"] == {"vehicle_inspection": 2}
    assert [i.element_id for i in open_items(instance)] == ["PhotographVehicle"]
    assert_round_trip(instance)
