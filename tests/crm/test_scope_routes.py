"""Every CRM page and API route that takes an id answers 404 for a record out of the user's scope:
not 403, and not the data. New routes are picked up automatically; a new id kind must be added here."""

import re

import pytest
from django.urls import URLPattern, URLResolver, reverse

from portal.crm import urls as page_urls
from portal.crm.api import urls as api_urls
from portal.crm.models import Attachment, Communication, FollowUpPlan, LeadImport, VehiclePhoto, VehicleStatus
from tests.crm.factories import OrderFactory


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.pattern.regex.groupindex:
            yield prefix, entry


ROUTES = [("crm:" + p.name, p) for _, p in _walk(page_urls.urlpatterns)] + [
    (p.name, p) for _, p in _walk(api_urls.urlpatterns)
]


@pytest.fixture
def outsiders(book, stock, crm_people, stores):
    """Records of 杭州西湖店 (and of a 上海浦东店 colleague) that the 上海浦东店 salesperson must not reach."""
    _, westlake = stores
    theirs = book["other_store"]
    stock["other"].status = VehicleStatus.SOLD
    stock["other"].customer = theirs
    stock["other"].save()
    order = OrderFactory(customer=theirs, vehicle=stock["other"], store=westlake, salesperson=crm_people["other_sales"])
    note = Communication.objects.create(
        customer=theirs, author=crm_people["other_sales"], channel="phone", content="private", outcome="interested"
    )
    plan = FollowUpPlan.objects.create(
        customer=book["colleague"],
        owner=crm_people["sales2"],
        due_at="2030-01-01T10:00:00Z",
        method="phone",
        purpose="call back",
    )
    scan = Attachment.objects.create(
        customer=book["colleague"],
        kind="id_card",
        filename="id.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        storage_name="x.png",
        uploaded_by=crm_people["sales2"],
    )
    picture = VehiclePhoto.objects.create(
        vehicle=stock["other"],
        filename="front.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        storage_name="p.png",
        uploaded_by=crm_people["other_sales"],
    )
    # Another person's lead import (only its uploader follows it).
    upload = LeadImport.objects.create(by=crm_people["other_manager"], filename="leads.csv", content=b"", total_rows=0)
    return {
        "job_id": upload.pk,
        "customer_id": theirs.pk,
        "vehicle_id": stock["other"].pk,
        "plan_id": plan.pk,
        "attachment_id": scan.pk,
        "photo_id": picture.pk,
        "staff_id": crm_people["other_manager"].staff.pk,
        "customer": theirs.pk,
        "communication": note.pk,
        "followup": plan.pk,
        "vehicle": stock["other"].pk,
        "order": order.pk,
        "order_id": order.pk,
    }


def _kwargs(name, pattern, outsiders):
    kwargs = {}
    for key in pattern.pattern.regex.groupindex:
        if key == "pk":  # an API route: the record kind comes from the route's name (customer-detail, ...)
            kwargs[key] = outsiders[name.split("-")[0]]
        else:
            assert key in outsiders, f"route {name} takes {key}: add an out-of-scope record for it"
            kwargs[key] = outsiders[key]
    return kwargs


@pytest.mark.parametrize("name,pattern", ROUTES, ids=[n for n, _ in ROUTES])
def test_an_out_of_scope_record_is_not_found(name, pattern, outsiders, crm_people, client):
    client.force_login(crm_people["sales"])
    url = reverse(name, kwargs=_kwargs(name, pattern, outsiders))
    answers = {method: getattr(client, method)(url) for method in ("get", "post")}
    codes = {method: response.status_code for method, response in answers.items()}
    assert set(codes.values()) <= {404, 405}, f"{url}: {codes}"
    assert 404 in codes.values(), f"{url}: {codes}"
    for response in answers.values():
        assert b"private" not in response.content and b"Liu Yang" not in response.content


def test_the_walk_covers_pages_and_api():
    names = {n for n, _ in ROUTES}
    assert {"crm:customer", "crm:vehicle", "crm:attachment", "customer-detail", "order-deliver"} <= names
    assert not [n for n in names if re.search(r"inbox", n)]
