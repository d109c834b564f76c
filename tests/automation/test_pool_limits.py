"""Limits from the pool_reclaim rule file on taking prospects, and routing through lead intake."""

from datetime import timedelta

import pytest

from engine import clock
from portal.crm.automation.reclaim import sweep_reclaim
from portal.crm.automation.texts import shown_all
from portal.crm.errors import NotPermitted
from portal.crm.models import Customer
from portal.crm.services.contacts import communication_record
from portal.crm.services.leads import lead_receive
from tests.crm.factories import CustomerFactory
from tests.helpers import deploy


def _first_contact(customer, user, **kw):
    return communication_record(
        customer_id=customer.pk, by=user, channel="phone", content="hello", outcome="interested", from_pool=True, **kw
    )


def _rules(settings, tmp_path, **values):
    text = (settings.LOTFLOW["RULES_DIR"] / "pool_reclaim.rules").read_text()
    for name, value in values.items():
        text = "\n".join(
            f"set {name} = {value}" if line.startswith(f"set {name} =") else line for line in text.splitlines()
        )
    for path in settings.LOTFLOW["RULES_DIR"].glob("*.rules"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "pool_reclaim.rules").write_text(text)
    settings.LOTFLOW = {**settings.LOTFLOW, "RULES_DIR": tmp_path}


def test_a_salesperson_at_the_cap_cannot_take_another_prospect(people, stores, settings, tmp_path):
    _rules(settings, tmp_path, max_prospects_per_salesperson=1)
    CustomerFactory(home_store=stores[0], owner=people["sales"])
    waiting = CustomerFactory(home_store=stores[0], owner=None)
    with pytest.raises(NotPermitted, match=r"owns 1 prospects already \(cap 1\)"):
        _first_contact(waiting, people["sales"])
    assert Customer.objects.get(pk=waiting.pk).owner is None


def test_a_reclaimed_prospect_cannot_be_taken_back_at_once(people, stores):
    now = clock.now()
    prospect = CustomerFactory(home_store=stores[0], owner=people["sales"], last_contact_at=now - timedelta(days=40))
    sweep_reclaim(now=now)
    with pytest.raises(NotPermitted, match="can take it back from"):
        _first_contact(prospect, people["sales"])
    assert _first_contact(prospect, people["sales2"]).took_from_pool


def test_a_web_lead_in_the_east_goes_to_the_least_busy_west_lake_salesperson(people, stores, settings):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))
    lead = lead_receive(
        name="Xu Ming",
        phone="13512345678",
        channel="api",
        source="website",
        received={"name": "Xu Ming", "region": "华东"},
    )
    lead.refresh_from_db()
    customer = Customer.objects.get(pk=lead.customer_id)
    assert (customer.home_store.name, customer.owner.username) == ("杭州西湖店", "other_sales")
    assert shown_all(lead.routing_reasons)[0].startswith("rule online_east")
