"""Days in the pool count from when a prospect entered it (Customer.pooled_at), not from its last contact."""

import importlib
from datetime import UTC, datetime, timedelta

from django.apps import apps as django_apps
from django.urls import reverse

from engine import clock
from portal.crm.automation.reclaim import sweep_reclaim
from portal.crm.models import ChangeRecord, Customer
from portal.crm.services.contacts import communication_record
from portal.crm.services.customers import customer_assign, customer_release, staff_handover
from tests.crm.factories import CustomerFactory

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def pooled_at(customer) -> datetime | None:
    return Customer.objects.values_list("pooled_at", flat=True).get(pk=customer.pk)


def test_a_prospect_that_arrives_without_an_owner_is_pooled_as_it_arrives(db, stores):
    arrived = CustomerFactory(home_store=stores[0], owner=None, created_at=NOW - timedelta(days=4))
    assert pooled_at(arrived) == NOW - timedelta(days=4)


def test_a_prospect_taken_with_a_first_contact_leaves_the_pool(book, crm_people):
    communication_record(
        customer_id=book["pool"].pk,
        by=crm_people["sales2"],
        channel="phone",
        content="called",
        outcome="interested",
        from_pool=True,
    )
    assert pooled_at(book["pool"]) is None


def test_a_released_prospect_counts_its_days_from_the_release_not_its_last_contact(crm_people, stores, client):
    clock.freeze(NOW)
    prospect = CustomerFactory(
        name="吴强", home_store=stores[0], owner=crm_people["sales"], last_contact_at=NOW - timedelta(days=40)
    )
    assert pooled_at(prospect) is None
    clock.freeze(NOW + timedelta(days=2))
    customer_release(customer_id=prospect.pk, by=crm_people["sales"])
    assert pooled_at(prospect) == NOW + timedelta(days=2)
    clock.freeze(NOW + timedelta(days=5))
    client.force_login(crm_people["sales2"])
    page = client.get(reverse("crm:pool")).content.decode()
    assert "吴强" in page and "3 days" in page and "40 days" not in page and "43 days" not in page
    assert "吴强" not in client.get(reverse("crm:pool"), {"days_min": 10}).content.decode()
    assert "吴强" in client.get(reverse("crm:pool"), {"days_min": 3, "days_max": 3}).content.decode()


def test_reclaim_and_a_hand_over_to_the_pool_pool_then_and_an_assignment_takes_out(crm_people, stores):
    silent = CustomerFactory(home_store=stores[0], owner=crm_people["sales"], last_contact_at=NOW - timedelta(days=31))
    sweep_reclaim(now=NOW)
    assert pooled_at(silent) == NOW
    customer_assign(customer_id=silent.pk, by=crm_people["manager"], owner=crm_people["sales2"])
    assert pooled_at(silent) is None
    clock.freeze(NOW + timedelta(days=1))
    staff_handover(leaver=crm_people["sales2"], by=crm_people["manager"], prospects_to=None, customers_to=None)
    assert pooled_at(silent) == NOW + timedelta(days=1)


def test_the_migration_fills_pool_prospects_from_their_history(crm_people, stores):
    migration = importlib.import_module("portal.crm.migrations.0006_customer_pooled_at")
    released = CustomerFactory(home_store=stores[0], owner=None, created_at=NOW - timedelta(days=90))
    arrived = CustomerFactory(home_store=stores[0], owner=None, created_at=NOW - timedelta(days=9))
    owned = CustomerFactory(home_store=stores[0], owner=crm_people["sales"])
    ChangeRecord.objects.create(
        entity="customer", entity_id=released.pk, field="owner", old_value="3:sales", new_value="", at=NOW
    )
    ChangeRecord.objects.create(
        entity="customer",
        entity_id=released.pk,
        field="owner",
        old_value="3:sales",
        new_value="",
        at=NOW - timedelta(days=60),
    )
    Customer.objects.update(pooled_at=None)
    migration.fill_pooled_at(django_apps, None)
    assert (pooled_at(released), pooled_at(arrived), pooled_at(owned)) == (NOW, NOW - timedelta(days=9), None)
