"""Schemathesis over every operation of the API's OpenAPI schema: no answer is a 5xx, none strays from the schema.

The schema is the one /api/schema/ serves (drf-spectacular's generator, made once at import); the requests go
through Django's WSGI application in this process (no server, no network), signed in as a salesperson with an
API key. Schemathesis sends data that fits the schema and data that does not (wrong types, missing fields,
junk), wrong methods and media types; every answer must be documented (status, Content-Type, body shape).

Ids are aimed: a generated id that is a valid number is turned into the id of a real record (of the caller's,
a colleague's or another store's), so that reads, payments, deliveries and updates reach past "not found".
A generated phone is turned into a real phone number, so that leads and customers are also created. Junk
(a text for an id, a number for a phone) is left as it was generated.

Bounded: a few examples an operation (LOTFLOW_FUZZ_EXAMPLES, 5 unless set: set it higher for a longer hunt), no
deadline per example; the module takes about 20-40 s here.
"""

import hashlib
import os
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
from portal.crm.api.serializers import BIGGEST
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
    # Only what the schema allows is aimed: an id of at most 18 digits, a number within 64 bits; a value out of
    # bounds is the fuzzer's junk and stays junk.
    if isinstance(identifier, int) and not isinstance(identifier, bool) and 0 <= identifier < 10**18:
        case.path_parameters["id"] = _pick(records[COLLECTIONS[collection]], identifier)
    if not isinstance(case.body, dict):
        return
    for field, kind in BODY_IDS.items():
        value = case.body.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= BIGGEST:
            case.body[field] = _pick(records[kind], value)
    if "phone" in case.body:
        case.body["phone"] = _phone(case.body["phone"])
    if isinstance(case.body.get("phones"), list):
        case.body["phones"] = [_phone(p) for p in case.body["phones"]]


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("LOTFLOW_FUZZ_EXAMPLES", "5")),
    deadline=None,
    database=None,  # nothing kept between runs (no .hypothesis/ folder): each run draws afresh
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, key, records):
    aim(case, records)
    case.call_and_validate(headers={"Authorization": f"Token {key}"})


def test_the_schema_served_is_the_one_fuzzed(client):
    served = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert set(served.json()["paths"]) == set(schema.raw_schema["paths"])
    assert len(list(schema.get_all_operations())) == 24


# --- what the fuzzer found, and what the schema must say, pinned one by one --------------------------------------


def test_every_operation_documents_its_refusals_in_the_one_error_shape():
    raw = schema.raw_schema
    assert {"detail", "non_field_errors"} <= set(raw["components"]["schemas"]["Error"]["properties"])
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "404", "413"} <= codes, (method, path)
            if method != "get":
                assert {"403", "409", "415"} <= codes, (method, path)
            for code in codes - {"200", "201"}:
                assert "#/components/schemas/Error" in str(operation["responses"][code]), (method, path, code)


def test_the_schema_says_what_may_be_null_and_which_years_a_date_takes():
    components = schema.raw_schema["components"]["schemas"]
    assert components["Communication"]["properties"]["lost_claim_to"]["nullable"] is True
    due = components["FollowUp"]["properties"]["due_at"]
    assert due["format"] == "date-time" and due["pattern"].startswith("^(19") and "1900-2100" in due["description"]
    assert components["Customer"]["properties"]["birthday"]["pattern"] == due["pattern"]


@pytest.fixture
def sales_api(crm_people):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(crm_people['sales'])}")
    return client


def test_a_time_in_shanghais_local_mean_time_is_shown_in_utc(sales_api, book):
    # Before 1928 Shanghai was 8:05:43 ahead of UTC; an offset with seconds is no RFC 3339 date-time.
    plan = {"customer": book["mine"].pk, "due_at": "1900-03-11T00:00:00Z", "method": "phone", "purpose": "old"}
    answer = sales_api.post("/api/v1/follow-ups", plan, format="json")
    assert answer.status_code == 201 and answer.json()["due_at"] == "1900-03-11T00:00:00Z"


@pytest.mark.parametrize(
    "field, value",
    [("from_pool", 0), ("content", 0), ("customer", "1"), ("customer", True)],
)
def test_json_values_of_the_wrong_type_are_refused_by_field(sales_api, book, field, value):
    note = {"customer": book["mine"].pk, "channel": "phone", "content": "hi", "outcome": "interested", field: value}
    answer = sales_api.post("/api/v1/communications", note, format="json")
    assert answer.status_code == 400 and field in answer.json()


def test_junk_in_the_address_or_the_media_type_is_a_documented_refusal(sales_api, book):
    assert sales_api.get("/api/v1/customers", {"page": ""}).status_code == 400
    assert sales_api.get("/api/v1/communications", {"customer": "abc"}).json() == {
        "customer": ["Give a whole number from 1."]
    }
    nowhere = sales_api.put("/api/v1/orders/0.5", {}, format="json")
    assert nowhere.status_code == 404 and nowhere["Content-Type"] == "application/json"
    for list_, param in [("vehicles", "brand"), ("vehicles", "status"), ("customers", "q")]:
        nul = sales_api.get(f"/api/v1/{list_}", {param: "a\x00b"})  # PostgreSQL stores no NUL: a 500 before
        assert nul.status_code == 400 and param in nul.json()
    form = sales_api.post("/api/v1/leads", {"name": "Xu Ming", "phone": "13512345678"})  # multipart
    assert form.status_code == 415 and "detail" in form.json()


def test_only_a_throttled_operation_documents_429():
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.throttling import UserRateThrottle
    from rest_framework.views import APIView

    class FivePerMinute(UserRateThrottle):
        rate = "5/min"

    class Throttled(APIView):
        throttle_classes = [FivePerMinute]

        def get(self, request):
            return Response({})

    class Free(APIView):
        throttle_classes = []

        def get(self, request):
            return Response({})

    patterns = [path("api/v1/throttled", Throttled.as_view()), path("api/v1/free", Free.as_view())]
    paths = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)["paths"]
    assert "429" in paths["/api/v1/throttled"]["get"]["responses"]
    assert "429" not in paths["/api/v1/free"]["get"]["responses"]


def test_numbers_too_big_for_the_database_are_refused_not_overflowed(crm_people):
    """Found by the fuzzer in CI: ?customer=<a 20-digit number> overflowed SQLite's integer (a 500)."""
    from rest_framework.test import APIClient

    from portal.crm import tokens

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(crm_people['sales'])}")
    huge = "9" * 20
    assert client.get("/api/v1/communications", {"customer": huge}).status_code == 400
    assert client.get(f"/api/v1/customers/{huge}").status_code == 404
    body = {"customer": int(huge), "channel": "phone", "content": "x", "outcome": "interested"}
    assert client.post("/api/v1/communications", body, format="json").status_code == 400
