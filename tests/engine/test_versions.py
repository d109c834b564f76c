"""Deploying a new version never changes running instances: each finishes on its own version."""

from engine import api
from engine.models import Deployment
from tests.helpers import assert_round_trip, deploy, only_item, open_items


def _start(stores, amount: int = 100) -> int:
    return api.start("discount_approval", data={"store_id": stores[0].pk, "amount": amount}).instance_id


def test_a_new_deployment_gets_the_next_version_number(db):
    first = deploy("exclusive_gateway.bpmn")
    second = deploy("discount_approval_v2.bpmn")
    assert [(d.process_id, d.version) for d in first + second] == [("discount_approval", 1), ("discount_approval", 2)]


def test_deploying_the_same_file_again_is_unchanged(db):
    deploy("exclusive_gateway.bpmn")
    [again] = deploy("exclusive_gateway.bpmn")
    assert (again.version, again.unchanged) == (1, True)
    assert Deployment.objects.count() == 1


def test_an_instance_started_on_version_1_stays_on_version_1(stores):
    deploy("exclusive_gateway.bpmn")
    instance = _start(stores)
    deploy("discount_approval_v2.bpmn")
    assert api.instance_detail(instance)["version"] == 1
    assert [i.element_id for i in open_items(instance)] == ["SalesConfirm"]
    assert_round_trip(instance)


def test_a_version_1_instance_finishes_on_version_1(stores, people):
    deploy("exclusive_gateway.bpmn")
    instance = _start(stores)
    deploy("discount_approval_v2.bpmn")
    api.complete(only_item(instance, "SalesConfirm").pk, user=people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_new_instances_start_on_the_latest_version(stores):
    deploy("exclusive_gateway.bpmn")
    deploy("discount_approval_v2.bpmn")
    instance = _start(stores)
    assert api.instance_detail(instance)["version"] == 2
    assert [i.element_id for i in open_items(instance)] == ["ManagerApproval"]
    assert_round_trip(instance)


def test_each_version_keeps_its_own_file(db):
    deploy("exclusive_gateway.bpmn")
    deploy("discount_approval_v2.bpmn")
    files = dict(Deployment.objects.values_list("version", "bpmn_file"))
    assert files == {1: "exclusive_gateway.bpmn", 2: "discount_approval_v2.bpmn"}
