"""Work items to show: the shipped demo process, and a test process whose form uses every field type."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from engine import api
from engine.models import AuditEvent
from tests.helpers import deploy, only_item

APPRAISAL = Path(__file__).parent / "bpmn" / "appraisal.bpmn"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def demo_contact(people, stores):
    """The demo's first task: call Li Wei, waiting in the 上海浦东店 sales queue."""
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"))
    result = api.start(
        "lead_followup",
        business_key="cust-7",
        user=people["manager"],
        data={"store_id": stores[0].pk, "customer_id": 7, "customer_name": "Li Wei", "phone": "13800000007"},
    )
    return only_item(result.instance_id, "Contact")


@pytest.fixture
def appraisal(people, stores):
    """The appraisal task, claimed by the 上海浦东店 salesperson."""
    deploy(str(APPRAISAL))
    result = api.start(
        "appraisal", user=people["manager"], data={"store_id": stores[0].pk, "customer_name": "Wang Fang"}
    )
    item = only_item(result.instance_id, "Appraise")
    return api.claim(item.pk, user=people["sales"])


def valid_appraisal(**changes) -> dict:
    """A post of the appraisal form that the engine accepts."""
    post = {
        "plate": "HU12345",
        "mileage": "86000",
        "offer": "52000.50",
        "accident_free": "true",
        "condition": "good",
        "colour": "silver",
        "fuel": "hybrid",
        "seats": "5",
        "inspected_on": "2026-11-20",
        "handover_at": "2026-11-30T10:30",
        "extras": ["sunroof", "tow_bar"],
        "appraiser": "sales2",
        "owner.name": "Zhao Lei",
        "owner.years": "4",
        "notes": "Small dent, rear left.",
    }
    post.update(changes)
    return {k: v for k, v in post.items() if v is not None}


def events() -> int:
    """How many audit events exist: a refused action writes none."""
    return AuditEvent.objects.count()


def text_of(html: str) -> str:
    """The page as a person reads it: tags dropped, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def rows(response, list_id: str) -> list[str]:
    """The text of each row of one inbox list ("mine" or "claimable")."""
    html = response.content.decode()
    table = re.search(rf'<table class="items" id="list-{list_id}">(.*?)</table>', html, re.S)
    if table is None:
        return []
    return [text_of(r) for r in re.findall(r"<tr id=\"item-\d+\".*?</tr>", table.group(1), re.S)]


def field_error(response, path: str) -> str:
    """The error shown right after the field (its input, or its fieldset for a group of choices)."""
    html = response.content.decode()
    found = re.search(rf'<small class="field-error" id="f-{path.replace(".", "-")}-error">(.*?)</small>', html, re.S)
    return text_of(found.group(1)) if found else ""
