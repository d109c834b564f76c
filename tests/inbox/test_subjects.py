"""Work items carry what the work needs: the subject links to its record; the page shows the person
to call with a tel: link, the car and the appointment time, and a phone only to whom may see the customer."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from engine import api
from engine.api import WorkItem
from portal.crm.models import Appointment
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import deploy, only_item

from .conftest import signed_in, text_of

REFUSING = Path(__file__).parent / "bpmn" / "refusing_step.bpmn"


@pytest.fixture
def test_drive(people, stores):
    """吴强's test drive tomorrow at 10:00 in a Camry, and the reminder to his owner."""
    customer = CustomerFactory(name="吴强", home_store=stores[0], owner=people["sales"], phone="13912345678")
    car = VehicleFactory(store=stores[0], plate="沪A12345")
    at = timezone.localtime(timezone.now()).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
    visit = Appointment.objects.create(
        customer=customer, store=stores[0], kind="test_drive", at=at, vehicle=car, created_by=people["sales"]
    )
    api.create_items(
        [
            {
                "kind": "reminder",
                "title": "Test drive with 吴强 tomorrow",
                "role": "sales",  # the store's sales queue: its owner and a colleague who does not own him
                "store_id": stores[0].pk,
                "key": f"reminder:test_drive:{visit.pk}:{at.date().isoformat()}:1",
                "subject_label": customer.name,
                "subject_ref": f"customer:{customer.pk}",
            }
        ]
    )
    return customer, car, visit, WorkItem.objects.get(key__startswith="reminder:test_drive:")


def test_an_inbox_row_links_its_subject_to_the_record(test_drive, people):
    customer, _car, _visit, _item = test_drive
    page = signed_in(people["sales"]).get(reverse("inbox:inbox")).content.decode()
    assert f'<a href="{reverse("crm:customer", args=[customer.pk])}">吴强</a>' in page


def test_a_test_drive_reminder_shows_time_car_and_a_phone_to_dial(test_drive, people):
    customer, car, visit, item = test_drive
    html = signed_in(people["sales"]).get(reverse("inbox:item", args=[item.pk])).content.decode()
    assert 'href="tel:13912345678"' in html
    assert f'href="{reverse("crm:customer", args=[customer.pk])}"' in html
    assert "沪A12345" in html and car.name in html
    assert "10:00" in text_of(html)
    assert visit.at.date().isoformat() not in text_of(html)


def test_no_phone_to_someone_who_may_not_see_the_customer(test_drive, people):
    _customer, _car, _visit, item = test_drive
    page = signed_in(people["sales2"]).get(reverse("inbox:item", args=[item.pk]))
    assert page.status_code == 200  # the item is in sales2's queue; the customer is not theirs
    body = page.content.decode()
    assert "13912345678" not in body
    assert "tel:" not in body


def test_a_refusing_post_script_reaches_the_person_as_its_sentence(people, stores):
    deploy(str(REFUSING))
    result = api.start("refusing_step", user=people["manager"], data={"store_id": stores[0].pk, "order_id": 37})
    item = api.claim(only_item(result.instance_id, "Deliver").pk, user=people["sales"])
    client = signed_in(people["sales"])
    page = client.post(reverse("inbox:item", args=[item.pk]), {"ticket": ""})
    text = text_of(page.content.decode())
    assert "Order #37 was delivered already: it cannot be delivered twice." in text
    assert "ValueError" not in text and "Post-Script" not in text


def test_a_numbered_checklist_in_instructions_is_a_list(people, stores):
    deploy(str(REFUSING))
    result = api.start("refusing_step", user=people["manager"], data={"store_id": stores[0].pk, "order_id": 37})
    item = only_item(result.instance_id, "Deliver")
    html = signed_in(people["sales"]).get(reverse("inbox:item", args=[item.pk])).content.decode()
    assert "<ol>" in html and "<li>Walk round the car with the buyer.</li>" in html
