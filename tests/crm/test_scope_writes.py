"""Every write route and API operation, as every role of one store, against the records of another store (and,
for a salesperson, of a colleague): 404, and nothing written anywhere (trust probe, issue 22).

The routes are the CRM's pages and API operations that take an id (picked up from the URL configuration, as
tests/crm/test_scope_routes.py does); every table of the CRM and the engine is counted, and the records in
reach are fingerprinted, before and after each request.
"""

import hashlib

import pytest
from django.apps import apps
from django.urls import reverse

from portal.crm.models import (
    Attachment,
    Communication,
    Customer,
    FollowUpPlan,
    LeadImport,
    Order,
    Staff,
    Vehicle,
    VehiclePhoto,
    VehicleStatus,
)
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory
from tests.crm.test_scope_routes import ROUTES

ROLES = ["sales", "manager", "finance", "service", "complaints"]  # all of 上海浦东店
API_METHODS = ("post", "put", "patch", "delete")
PAGE_METHODS = ("post",)
BODY = {"channel": "phone", "content": "probe", "outcome": "interested", "price": 1, "reason": "probe"}


def _stored(path: str) -> dict:
    return {"storage_name": path, "content_type": "image/png", "size": 1, "sha256": "0" * 64}


@pytest.fixture
def westlake(stores, crm_people):
    """One record of 杭州西湖店 for every kind of id a route takes."""
    _, west = stores
    seller = crm_people["other_sales"]
    buyer = CustomerFactory(name="Liu Yang", home_store=west, owner=seller)
    car = VehicleFactory(store=west, status=VehicleStatus.SOLD, customer=buyer, plate="浙A99999")
    order = OrderFactory(customer=buyer, vehicle=car, store=west, salesperson=seller)
    note = Communication.objects.create(
        customer=buyer, author=seller, channel="phone", content="private", outcome="interested"
    )
    plan = FollowUpPlan.objects.create(
        customer=buyer, owner=seller, due_at="2030-01-01T10:00:00Z", method="phone", purpose="call back"
    )
    scan = Attachment.objects.create(
        customer=buyer, kind="id_card", filename="id.png", uploaded_by=seller, **_stored("w.png")
    )
    picture = VehiclePhoto.objects.create(vehicle=car, filename="f.png", uploaded_by=seller, **_stored("wp.png"))
    upload = LeadImport.objects.create(by=crm_people["other_manager"], filename="l.csv", content=b"", total_rows=0)
    ids = {
        "customer_id": buyer.pk,
        "vehicle_id": car.pk,
        "order_id": order.pk,
        "plan_id": plan.pk,
        "attachment_id": scan.pk,
        "photo_id": picture.pk,
        "staff_id": crm_people["other_manager"].staff.pk,
        "job_id": upload.pk,
    }
    # API routes name their record kind by the route: customer-detail, order-deliver, ...
    ids.update(customer=buyer.pk, vehicle=car.pk, order=order.pk, communication=note.pk, followup=plan.pk)
    return ids


def _kwargs(name, pattern, ids):
    return {key: ids[name.split("-")[0]] if key == "pk" else ids[key] for key in pattern.pattern.regex.groupindex}


def _fingerprint() -> tuple:
    """Every table's row count, and the content of the records a probe could change."""
    counts = tuple(
        (model._meta.label, model._default_manager.count())
        for app in ("crm", "engine", "reports", "studio")
        for model in apps.get_app_config(app).get_models()
    )
    digest = hashlib.sha256()
    for model in (Customer, Vehicle, Order, Staff, Communication, FollowUpPlan):
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return counts, digest.hexdigest()


def _send(client, method: str, url: str):
    """A form post for POST; a JSON body for the API's PUT, PATCH and DELETE."""
    if method == "post":
        return client.post(url, BODY)
    return getattr(client, method)(url, BODY, content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_no_role_of_one_store_reaches_another_stores_records(role, westlake, crm_people, client):
    client.force_login(crm_people[role])
    before = _fingerprint()
    answered = []
    for name, pattern in ROUTES:
        url = reverse(name, kwargs=_kwargs(name, pattern, westlake))
        for method in PAGE_METHODS if name.startswith("crm:") else API_METHODS:
            response = _send(client, method, url)
            answered.append((method, url, response.status_code))
            assert response.status_code in (404, 405), f"{role} {method} {url}: {response.status_code}"
            assert b"private" not in response.content and b"Liu Yang" not in response.content
    assert _fingerprint() == before, f"{role} changed something"
    assert any(code == 404 for _, _, code in answered)


def test_a_salesperson_does_not_reach_a_colleagues_records(book, crm_people, client):
    """The same store, another salesperson's customer: the same answer."""
    colleague = book["colleague"]
    plan = FollowUpPlan.objects.create(
        customer=colleague, owner=crm_people["sales2"], due_at="2030-01-01T10:00:00Z", method="phone", purpose="x"
    )
    client.force_login(crm_people["sales"])
    before = _fingerprint()
    for name, pattern in ROUTES:
        keys = set(pattern.pattern.regex.groupindex)
        if keys == {"customer_id"} or (keys == {"pk"} and name.startswith("customer-")):
            url = reverse(name, kwargs=dict.fromkeys(keys, colleague.pk))
        elif keys == {"plan_id"}:
            url = reverse(name, kwargs={"plan_id": plan.pk})
        else:
            continue
        for method in PAGE_METHODS if name.startswith("crm:") else API_METHODS:
            code = _send(client, method, url).status_code
            assert code in (404, 405), f"sales {method} {url}: {code}"
    assert _fingerprint() == before
