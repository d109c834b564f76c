"""Guided flows show the way: step N of M, what comes next, and a countdown to escalation."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from engine import api, clock
from engine.models import DueTimer
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import deploy, make_staff, only_item
from tests.inbox.conftest import signed_in, text_of

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def acknowledge(people, stores, settings):
    """A complaint taken in (step 1 done): its acknowledgement waits, with an SLA timer running."""
    clock.freeze(START)
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "complaint.bpmn"))
    handler = make_staff("handler", stores[0], ["complaints"])
    handler.staff.language = "zh-hans"
    handler.staff.save()
    customer = CustomerFactory(name="李伟", home_store=stores[0], owner=people["sales"])
    iid = api.start(
        "complaint",
        user=handler,
        data={"store_id": stores[0].pk, "customer_id": customer.pk, "customer_name": customer.name},
    ).instance_id
    car = VehicleFactory(store=stores[0], customer=customer, status="sold")
    intake = only_item(iid, "Intake")
    api.complete(
        intake.pk,
        user=handler,
        data={
            "channel": "phone",
            "category": "vehicle_quality",
            "severity": "high",
            "vehicle_id": car.pk,
            "description": "空调不制冷",
        },
    )
    return handler, iid, only_item(iid, "Acknowledge")


def test_a_complaint_step_shows_step_two_what_comes_next_and_the_countdown(acknowledge):
    handler, iid, item = acknowledge
    timer = DueTimer.objects.filter(instance_id=iid).order_by("due_at").first()
    assert timer is not None, "the acknowledgement should run an SLA timer"
    escalates = min(d for d in (item.due_at, timer.due_at) if d is not None)

    html = signed_in(handler).get(reverse("inbox:item", args=[item.pk])).content.decode()

    assert re.search(r"步骤 2/10", text_of(html)), text_of(html)[:600]
    assert "接下来" in text_of(html)
    countdown = re.search(r'<time class="countdown" datetime="([^"]+)"', html)
    assert countdown is not None
    assert datetime.fromisoformat(countdown.group(1)) == escalates.astimezone(timezone.get_current_timezone())


def test_the_countdown_reads_lotflows_clock_not_the_real_one(acknowledge):
    """The clock is frozen in 2026: the page says how long is left from then, with or without scripts."""
    handler, _iid, item = acknowledge
    escalates = api.item_progress(item).escalates_at
    html = signed_in(handler).get(reverse("inbox:item", args=[item.pk])).content.decode()
    countdown = re.search(r'<time class="countdown" datetime="[^"]+" data-now="([^"]+)"[^>]*>([^<]*)</time>', html)
    assert countdown is not None
    assert datetime.fromisoformat(countdown.group(1)) == START
    hours = int((escalates - START).total_seconds() // 3600)
    assert countdown.group(2) == f"{hours}小时后", countdown.group(2)  # not "2 days overdue" by the real date


def test_a_first_step_is_step_one_and_a_step_no_longer_open_shows_no_guide(people, demo_contact):
    client = signed_in(people["manager"])
    first = text_of(client.get(reverse("inbox:item", args=[demo_contact.pk])).content.decode())
    assert re.search(r"Step 1 of \d+", first)

    api.cancel(demo_contact.instance_id, user=people["admin"], reason="test")
    closed = text_of(client.get(reverse("inbox:item", args=[demo_contact.pk])).content.decode())
    assert "Step 1 of" not in closed
