"""Exclusive, inclusive and parallel gateways route work by the instance's data."""

import pytest

from engine import api
from tests.helpers import assert_round_trip, deploy, make_staff, only_item, open_items


def _start(process_id: str, stores, **data) -> int:
    return api.start(process_id, data={"store_id": stores[0].pk, **data}).instance_id


def _finish(item, user) -> None:
    api.complete(item.pk, user=user)


@pytest.mark.parametrize(
    ("amount", "element", "role"),
    [
        (3000, "SalesConfirm", "sales"),
        (5001, "ManagerApproval", "store_manager"),
        (20000, "ManagerApproval", "store_manager"),
        (25000, "HqApproval", "hq"),
    ],
)
def test_exclusive_gateway_takes_the_one_flow_whose_condition_holds(stores, amount, element, role):
    deploy("exclusive_gateway.bpmn")
    instance = _start("discount_approval", stores, amount=amount)
    item = only_item(instance)
    assert (item.element_id, item.role) == (element, role)
    assert_round_trip(instance)


def test_exclusive_gateway_path_finishes_the_instance(stores, people):
    deploy("exclusive_gateway.bpmn")
    instance = _start("discount_approval", stores, amount=25000)
    _finish(only_item(instance, "HqApproval"), people["hq"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("finances", "trade_in", "elements"),
    [
        (True, True, ["CreditCheck", "AppraiseTradeIn"]),
        (True, False, ["CreditCheck"]),
        (False, True, ["AppraiseTradeIn"]),
        (False, False, ["Paperwork"]),
    ],
)
def test_inclusive_gateway_opens_every_flow_whose_condition_holds(stores, finances, trade_in, elements):
    deploy("inclusive_gateway.bpmn")
    instance = _start("sale_checks", stores, finances=finances, trade_in=trade_in)
    assert sorted(i.element_id for i in open_items(instance)) == sorted(elements)
    assert_round_trip(instance)


def test_inclusive_join_waits_for_every_flow_that_was_taken(stores, people):
    deploy("inclusive_gateway.bpmn")
    instance = _start("sale_checks", stores, finances=True, trade_in=True)
    _finish(only_item(instance, "CreditCheck"), people["finance"])
    assert api.instance_detail(instance)["status"] == "running"
    assert [i.element_id for i in open_items(instance)] == ["AppraiseTradeIn"]
    assert_round_trip(instance)


def test_inclusive_join_continues_once_the_taken_flows_are_done(stores, people):
    deploy("inclusive_gateway.bpmn")
    instance = _start("sale_checks", stores, finances=True, trade_in=True)
    _finish(only_item(instance, "CreditCheck"), people["finance"])
    _finish(only_item(instance, "AppraiseTradeIn"), people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_inclusive_join_does_not_wait_for_a_flow_that_was_not_taken(stores, people):
    deploy("inclusive_gateway.bpmn")
    instance = _start("sale_checks", stores, finances=False, trade_in=True)
    _finish(only_item(instance, "AppraiseTradeIn"), people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_parallel_split_opens_both_branches_at_once(stores):
    deploy("parallel_gateway.bpmn")
    instance = _start("vehicle_preparation", stores)
    assert sorted((i.element_id, i.role) for i in open_items(instance)) == [
        ("Detailing", "service"),
        ("Registration", "sales"),
    ]
    assert_round_trip(instance)


def test_parallel_join_waits_for_both_branches(stores, people):
    mechanic = make_staff("mechanic", stores[0], ["service"])
    deploy("parallel_gateway.bpmn")
    instance = _start("vehicle_preparation", stores)
    _finish(only_item(instance, "Registration"), people["sales"])
    assert [i.element_id for i in open_items(instance)] == ["Detailing"]
    _finish(only_item(instance, "Detailing"), mechanic)
    assert [i.element_id for i in open_items(instance)] == ["HandOver"]
    assert_round_trip(instance)
