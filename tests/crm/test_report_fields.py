"""The times the reports read are written where the work happens: a car's intake and a transfer's arrival
(its arrival in its store), booking an appointment; and the migration fills arrivals from history."""

from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
from django.apps import apps

from engine import clock
from portal.crm.models import ChangeRecord, Transfer, Vehicle
from portal.crm.services.contacts import appointment_book
from portal.crm.services.transfers import transfer_receive
from portal.crm.services.vehicles import vehicle_create
from tests.crm.factories import VehicleFactory, valid_vin

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


def test_a_car_taken_in_arrives_then(crm_people, stores, frozen):
    fields = {"vin": valid_vin(), "brand": "Toyota", "model": "Camry", "vehicle_type": "suv", "year": 2020}
    car = vehicle_create(by=crm_people["manager"], store=stores[0], fields={**fields, "mileage": 1, "asking_price": 1})
    assert Vehicle.objects.get(pk=car.pk).arrived_at == NOW


def test_a_transfers_arrival_restarts_the_cars_time_in_store(crm_people, stores, frozen):
    pudong, westlake = stores
    car = VehicleFactory(store=pudong, status="in_transfer", arrived_at=NOW - timedelta(days=200))
    transfer = Transfer.objects.create(
        vehicle=car, from_store=pudong, to_store=westlake, reason="x", status="in_transit"
    )
    transfer_receive(transfer_id=transfer.pk, by=crm_people["other_manager"].get_username())
    car.refresh_from_db()
    assert (car.store_id, car.status, car.arrived_at) == (westlake.pk, "in_stock", NOW)


def test_booking_an_appointment_records_when(book, crm_people, frozen):
    visit = appointment_book(
        customer_id=book["mine"].pk, by=crm_people["sales"], kind="visit", at=NOW + timedelta(days=3)
    )
    assert visit.booked_at == NOW


def test_the_migration_fills_arrivals_from_the_store_changes(stores):
    """A car moved by a transfer arrived at its last store change; one never moved, when it was recorded."""
    migration = import_module("portal.crm.migrations.0009_report_fields")
    moved = VehicleFactory(store=stores[1], created_at=NOW - timedelta(days=90))
    stayed = VehicleFactory(store=stores[0], created_at=NOW - timedelta(days=60))
    for days in (40, 10):
        ChangeRecord.objects.create(
            entity="vehicle",
            entity_id=moved.pk,
            field="store",
            old_value="a",
            new_value="b",
            at=NOW - timedelta(days=days),
        )
    Vehicle.objects.update(arrived_at=None)
    migration.arrivals(apps, None)
    assert Vehicle.objects.get(pk=moved.pk).arrived_at == NOW - timedelta(days=10)
    assert Vehicle.objects.get(pk=stayed.pk).arrived_at == NOW - timedelta(days=60)
