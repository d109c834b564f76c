"""Every showing of a customer's personal data leaves a trace an admin can read (trust probe: reads left none)."""

import io

import pytest
from rest_framework.test import APIClient

from portal.crm import tokens
from portal.crm.models import PersonalDataRead
from portal.crm.services.attachments import attachment_add
from tests.helpers import image_bytes

pytestmark = pytest.mark.django_db


def _reads(customer):
    return [(r.reader.username, r.fields, r.how) for r in PersonalDataRead.objects.filter(customer=customer)]


def test_the_customer_page_records_what_it_showed(book, crm_people, as_user):
    as_user(crm_people["sales"]).get(f"/crm/customers/{book['mine'].pk}/")
    assert _reads(book["mine"]) == [("sales", ["phones", "email", "address", "id_number", "birthday"], "page")]
    as_user(crm_people["sales"]).get(f"/crm/customers/{book['pool'].pk}/")  # a pool prospect: no identity shown
    assert _reads(book["pool"]) == [("sales", ["phones", "email", "address"], "page")]


def test_lists_and_searches_record_the_phones_they_showed(book, crm_people, as_user):
    client = as_user(crm_people["sales"])
    client.get("/crm/customers/")
    assert ("sales", ["phones"], "list") in _reads(book["mine"])
    phone = book["mine"].phones.first().number
    client.get("/crm/customers/", {"q": phone[-4:]})
    assert ("sales", ["phones"], "search") in _reads(book["mine"])
    assert not _reads(book["other_store"])  # not shown, not recorded


def test_the_api_records_each_customer_it_answered_with(book, crm_people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(crm_people['sales'])}")
    client.get(f"/api/v1/customers/{book['mine'].pk}")
    assert _reads(book["mine"]) == [("sales", ["phones", "email", "address", "id_number", "birthday"], "api")]
    client.get("/api/v1/customers", {"q": "Wang Fang"})
    assert ("sales", ["phones", "email", "address"], "search") in _reads(book["pool"])


def test_a_scan_download_is_recorded_and_admins_see_who_read_what(book, crm_people, as_user, settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path
    scan = attachment_add(
        customer_id=book["mine"].pk,
        by=crm_people["sales"],
        kind="id_card",
        filename="id.png",
        stream=io.BytesIO(image_bytes()),
    )
    as_user(crm_people["manager"]).get(f"/crm/attachments/{scan.pk}/")
    assert ("manager", [f"scan:{scan.pk}"], "scan") in _reads(book["mine"])

    admin_page = as_user(crm_people["admin"]).get(f"/crm/customers/{book['mine'].pk}/").content.decode()
    assert "Who read the personal data" in admin_page and "download" in admin_page
    manager_page = as_user(crm_people["manager"]).get(f"/crm/customers/{book['mine'].pk}/").content.decode()
    assert "Who read the personal data" not in manager_page
    staff_page = as_user(crm_people["admin"]).get(f"/crm/staff/{crm_people['manager'].staff.pk}/").content.decode()
    assert "Personal data read" in staff_page and book["mine"].name in staff_page
