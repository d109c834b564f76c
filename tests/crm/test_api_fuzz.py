"""Schemathesis over every operation of the API's OpenAPI schema: no answer is a 5xx, none strays from the schema.

The schema is the one /api/schema/ serves (drf-spectacular's generator, made once at import); the requests go
through Django's WSGI application in this process (no server, no network), signed in as a salesperson with an
API key. Schemathesis sends data that fits the schema and data that does not (wrong types, missing fields,
junk), wrong methods and media types; every answer must be documented (status, Content-Type, body shape).

Ids are aimed: a generated id that is a valid number is turned into the id of a real record (of the caller's,
a colleague's or another store's), so that reads, payments, deliveries and updates reach past "not found".
A generated phone is turned into a real phone number, so that leads and customers are also created. Junk
(a text for an id, a number for a phone) is left as it was generated.

Bounded: a few examples an operation, no deadline per example; the module takes about 20-40 s here.
"""

import hashlib
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from portal.crm import tokens
from portal.crm.services import contacts, vehicles
from tests.helpers import deploy

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()
# Left out: "schema-valid data is accepted". The schema says what each field is; the rules that need the database or
# a computation (a phone of 7 to 15 digits among any separators, a VIN's check digit, a phone another customer
# holds, a customer the caller cannot see) answer 400 or 404 to data the schema allows, as documented.
schema.config.checks.positive_data_acceptance.enabled = False

COLLECTIONS = {
    "customers": "customers",
    "communications": "communications",
    "follow-ups": "follow_ups",
    "vehicles": "vehicles",
    "orders": "orders",
}
BODY_IDS = {"customer": "customers", "vehicle": "vehicles", "home_store_id": "stores", "store_id": "stores"}


@pytest.fixture
def records(settings, book, stock, stores, crm_people):
    """The records the aimed ids name: in the salesperson's scope and out of it."""
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))
    sales = crm_people["sales"]
    mine = book["mine"].pk
    note = contacts.communication_record(
        customer_id=mine, by=sales, channel="phone", content="Asked about the Camry", outcome="interested"
    ).communication
    plan = contacts.follow_up_plan_create(
        customer_id=mine, by=sales, due_at=timezone.now() + timedelta(days=2), method="phone", purpose="Test drive"
    )
    order = vehicles.order_create(by=sales, customer_id=mine, vehicle_id=stock["camry"].pk, price=150000)
    return {
        "customers": [c.pk for c in book.values()],
        "communications": [note.pk],
        "follow_ups": [plan.pk],
        "vehicles": [v.pk for v in stock.values()],
        "orders": [order.pk],
        "stores": [s.pk for s in stores],
    }


@pytest.fixture
def key(records, crm_people):
    # As Django's test client does: the request signals must not close the test's connection (its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield tokens.issue(crm_people["sales"])
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _pick(ids: list[int], value: int) -> int:
    return ids[value % len(ids)]


def _phone(value: object) -> object:
    """A real mobile number for a phone the schema allows (1-30 characters, not blank); junk stays junk."""
    if not isinstance(value, str) or not value.strip() or len(value) > 30:
        return value
    return "13" + str(int(hashlib.sha256(value.encode()).hexdigest(), 16))[:9]


def aim(case, records) -> None:
    """Turn valid generated ids into real ones and generated phones into real numbers; junk stays junk."""
    collection = case.path.split("/")[3]
    identifier = (case.path_parameters or {}).get("id")
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        case.path_parameters["id"] = _pick(records[COLLECTIONS[collection]], identifier)
    if not isinstance(case.body, dict):
        return
    for field, kind in BODY_IDS.items():
        value = case.body.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            case.body[field] = _pick(records[kind], value)
    if "phone" in case.body:
        case.body["phone"] = _phone(case.body["phone"])
    if isinstance(case.body.get("phones"), list):
        case.body["phones"] = [_phone(p) for p in case.body["phones"]]


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, key, records):
    aim(case, records)
    case.call_and_validate(headers={"Authorization": f"Token {key}"})


def test_the_schema_served_is_the_one_fuzzed(client):
    served = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert set(served.json()["paths"]) == set(schema.raw_schema["paths"])
    assert len(list(schema.get_all_operations())) == 24
