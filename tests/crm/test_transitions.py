"""Status fields move only through declared transitions, with messages naming both states."""

import pytest

from portal.crm.errors import Conflict, IllegalTransition
from portal.crm.fsm import transition_apply
from portal.crm.models import ChangeRecord, MaintenancePlan, OrderStatus, Stage, Vehicle, VehicleStatus
from portal.crm.services.vehicles import order_cancel, order_create, order_deliver, payment_record


@pytest.fixture
def order(book, stock, crm_people):
    return order_create(
        by=crm_people["sales"], customer_id=book["mine"].pk, vehicle_id=stock["camry"].pk, price=150000, deposit=5000
    )


def test_an_order_reserves_its_vehicle(order, stock):
    stock["camry"].refresh_from_db()
    assert stock["camry"].status == VehicleStatus.RESERVED


def test_a_reserved_vehicle_cannot_go_on_a_second_order(order, book, stock, crm_people):
    with pytest.raises(IllegalTransition, match="it is “Reserved”, and only “In stock” can move to “Reserved”"):
        order_create(by=crm_people["sales"], customer_id=book["closed"].pk, vehicle_id=stock["camry"].pk, price=150000)
    assert book["closed"].orders.count() == 0


def test_an_order_cannot_be_delivered_before_it_is_paid(order, crm_people):
    with pytest.raises(IllegalTransition, match="it is “Open”, and only “Paid” can move to “Delivered”"):
        order_deliver(order_id=order.pk, by=crm_people["manager"])
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_paying_in_full_closes_the_deal_and_delivery_sells_the_vehicle(order, book, stock, crm_people):
    payment_record(order_id=order.pk, by=crm_people["finance"], method="transfer", amount=100000)
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    payment_record(order_id=order.pk, by=crm_people["finance"], method="transfer", amount=50000)
    order.refresh_from_db()
    book["mine"].refresh_from_db()
    assert (order.status, book["mine"].stage) == (OrderStatus.PAID, Stage.CUSTOMER)
    order_deliver(order_id=order.pk, by=crm_people["manager"])
    vehicle = Vehicle.objects.get(pk=stock["camry"].pk)
    assert (vehicle.status, vehicle.customer_id) == (VehicleStatus.SOLD, book["mine"].pk)
    assert MaintenancePlan.objects.get(vehicle=vehicle).next_service_mileage == vehicle.mileage + 5000


def test_a_sold_vehicle_cannot_go_on_an_order(order, book, stock, crm_people):
    payment_record(order_id=order.pk, by=crm_people["finance"], method="cash", amount=150000)
    order_deliver(order_id=order.pk, by=crm_people["manager"])
    with pytest.raises(IllegalTransition, match="it is “Sold”"):
        order_create(by=crm_people["sales"], customer_id=book["closed"].pk, vehicle_id=stock["camry"].pk, price=1)


def test_cancelling_an_order_puts_the_vehicle_back_in_stock(order, stock, crm_people):
    order_cancel(order_id=order.pk, by=crm_people["manager"])
    stock["camry"].refresh_from_db()
    assert stock["camry"].status == VehicleStatus.IN_STOCK


def test_a_stale_copy_cannot_move_a_record_someone_else_moved(stock, crm_people):
    first = Vehicle.objects.get(pk=stock["rav4"].pk)
    stale = Vehicle.objects.get(pk=stock["rav4"].pk)
    transition_apply(first, "send", actor=crm_people["manager"])
    with pytest.raises(Conflict, match="it is now “In transfer”, not “In stock”"):
        transition_apply(stale, "reserve", actor=crm_people["manager"])
    assert Vehicle.objects.get(pk=stock["rav4"].pk).status == VehicleStatus.IN_TRANSFER


def test_status_changes_are_in_the_history(order, stock, crm_people):
    change = ChangeRecord.objects.get(entity="vehicle", entity_id=stock["camry"].pk, field="status")
    assert (change.old_value, change.new_value, change.actor) == ("in_stock", "reserved", crm_people["sales"])
