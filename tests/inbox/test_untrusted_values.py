"""A value typed by a stranger (the public lead form) is shown as text on staff pages, Markdown instructions
included (trust probe: a name written as a Markdown link became a clickable link)."""

import re

import pytest
from django.conf import settings

from engine.models import ItemStatus, WorkItem
from portal.crm.services.leads import lead_receive
from tests.helpers import deploy

pytestmark = pytest.mark.django_db

BAIT = "[Verify your account](https://evil.example/login) <a href='https://evil.example'>here</a>"


def test_a_name_written_as_a_link_stays_text_on_the_task_page(stores, people, client):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))
    lead = lead_receive(name=BAIT, phone="13900000077", channel="web_form")
    items = WorkItem.objects.filter(instance_id=lead.process_instance_id, status=ItemStatus.OPEN, kind="task")
    assert items
    client.force_login(people["manager"])
    for item in items:
        page = client.get(f"/items/{item.pk}/").content.decode()
        assert "evil.example" in page  # the name is shown...
        assert not re.search(r"<a\s[^>]*evil\.example", page)  # ...as text: no link to it anywhere
