"""The REST API: token authentication, pages, scopes, writes through the services, the schema."""

import pytest
from rest_framework.test import APIClient

from portal.crm import tokens
from portal.crm.models import Communication, Customer, LeadIntake, OrderStatus, VehicleStatus
from tests.crm.test_leads import lead_process  # noqa: F401 - fixture


@pytest.fixture
def api(crm_people):
    def as_user(name):
        client = APIClient()
        key = tokens.issue(crm_people[name])
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return as_user


def test_without_a_token_the_api_refuses(db):
    assert APIClient().get("/api/v1/customers").status_code == 401


def test_customers_are_paged_and_scoped(book, api):
    body = api("sales").get("/api/v1/customers").json()
    assert body["count"] == 3 and {c["name"] for c in body["results"]} == {"李伟", "Wang Fang", "Zhao Lei"}


def test_identity_is_masked_in_the_api(book, api):
    pool = api("sales").get(f"/api/v1/customers/{book['pool'].pk}").json()
    assert pool["id_number"] == "•••"
    assert api("manager").get(f"/api/v1/customers/{book['pool'].pk}").json()["id_number"] == "310101198505054321"


def test_search_by_phone_through_the_api(book, api):
    phone = book["mine"].phones.get().number
    assert [c["name"] for c in api("sales").get("/api/v1/customers", {"q": phone}).json()["results"]] == ["李伟"]


def test_creating_a_customer_with_a_duplicate_phone_names_the_field(book, api):
    phone = book["pool"].phones.get().number
    answer = api("sales").post("/api/v1/customers", {"name": "Dup", "phones": [phone]}, format="json")
    assert answer.status_code == 400 and "phones" in answer.json()
    assert not Customer.objects.filter(name="Dup").exists()


def test_a_first_contact_through_the_api_takes_the_pool_prospect(book, api, crm_people):
    answer = api("sales").post(
        "/api/v1/communications",
        {"customer": book["pool"].pk, "channel": "phone", "content": "hi", "outcome": "interested", "from_pool": True},
        format="json",
    )
    assert answer.status_code == 201
    assert Customer.objects.get(pk=book["pool"].pk).owner == crm_people["sales"]
    late = api("sales2").post(
        "/api/v1/communications",
        {
            "customer": book["pool"].pk,
            "channel": "phone",
            "content": "me too",
            "outcome": "interested",
            "from_pool": True,
        },
        format="json",
    )
    assert late.status_code == 409 and "me too" in late.json()["detail"]
    assert list(Communication.objects.filter(customer=book["pool"]).values_list("author__username", flat=True)) == [
        "sales"
    ]


def test_order_flow_through_the_api(book, stock, api):
    created = api("sales").post(
        "/api/v1/orders", {"customer": book["mine"].pk, "vehicle": stock["camry"].pk, "price": 150000}, format="json"
    )
    assert created.status_code == 201
    order_id = created.json()["id"]
    early = api("manager").post(f"/api/v1/orders/{order_id}/deliver")
    assert early.status_code == 409 and "“Open”" in early.json()["detail"] and "“Delivered”" in early.json()["detail"]
    second = api("sales").post(
        "/api/v1/orders", {"customer": book["closed"].pk, "vehicle": stock["camry"].pk, "price": 1}, format="json"
    )
    assert second.status_code == 409
    paid = api("finance").post(
        f"/api/v1/orders/{order_id}/payments", {"method": "transfer", "amount": 150000}, format="json"
    )
    assert paid.json()["status"] == OrderStatus.PAID
    assert api("manager").post(f"/api/v1/orders/{order_id}/deliver").json()["status"] == OrderStatus.DELIVERED
    stock["camry"].refresh_from_db()
    assert stock["camry"].status == VehicleStatus.SOLD


def test_vehicle_with_letters_a_vin_cannot_hold_is_refused(stores, api):
    answer = api("sales").post(
        "/api/v1/vehicles",
        {
            "vin": "LSVAB2BMOPN000001",
            "brand": "VW",
            "model": "Golf",
            "vehicle_type": "hatchback",
            "year": 2020,
            "mileage": 1000,
            "asking_price": 90000,
        },
        format="json",
    )
    assert answer.status_code == 400 and "cannot contain O" in answer.json()["vin"][0]


def test_follow_up_plans_through_the_api(book, api):
    created = api("sales").post(
        "/api/v1/follow-ups",
        {"customer": book["mine"].pk, "due_at": "2030-01-01T09:00:00Z", "method": "wechat", "purpose": "send photos"},
        format="json",
    )
    assert created.status_code == 201
    done = api("sales").post(f"/api/v1/follow-ups/{created.json()['id']}/done")
    assert done.json()["done"] is True


@pytest.mark.parametrize(
    "action", ["follow-ups/{id}/done", "orders/{id}/payments", "orders/{id}/deliver", "orders/{id}/cancel"]
)
@pytest.mark.parametrize("junk", ["abc", "12abc"])
def test_an_id_that_is_no_number_is_not_found(book, api, action, junk):
    answer = api("manager").post(
        f"/api/v1/{action.format(id=junk)}", {"method": "transfer", "amount": 1}, format="json"
    )
    assert answer.status_code == 404 and answer.json() == {"detail": "Not found."}


def test_post_a_lead(lead_process, stores, api):  # noqa: F811
    answer = api("manager").post(
        "/api/v1/leads", {"name": "API Lead", "phone": "13677778888", "source": "marketplace"}, format="json"
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["merged"] is False and body["routed_store"] == stores[0].pk
    assert LeadIntake.objects.get(pk=body["lead_id"]).channel == "api"


def test_a_lead_with_a_bad_phone_names_the_field(lead_process, stores, api):  # noqa: F811
    answer = api("manager").post("/api/v1/leads", {"name": "X", "phone": "12"}, format="json")
    assert answer.status_code == 400 and "phone" in answer.json()


def test_the_schema_describes_every_endpoint(db, client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {
        "/api/v1/leads",
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/communications",
        "/api/v1/follow-ups",
        "/api/v1/vehicles",
        "/api/v1/orders",
        "/api/v1/orders/{id}/deliver",
    } <= set(schema["paths"])


def test_dates_outside_the_business_years_and_oversized_lists_are_refused_by_field(book, api):
    far = api("sales").post(
        "/api/v1/follow-ups",
        {"customer": book["mine"].pk, "due_at": "0278-01-01T10:00:00Z", "method": "phone", "purpose": "call"},
        format="json",
    )
    assert far.status_code == 400 and "278" in str(far.json()["due_at"])
    phones = [f"1380000{n:04d}" for n in range(1000)]
    crowded = api("sales").post("/api/v1/customers", {"name": "Many Phones", "phones": phones}, format="json")
    assert crowded.status_code == 400 and "phones" in crowded.json()
    long_note = api("sales").post(
        "/api/v1/leads", {"name": "Note", "phone": "13900000001", "note": "x" * 2_400_000}, format="json"
    )
    assert long_note.status_code == 400 and "note" in long_note.json()
