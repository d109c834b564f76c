"""Lead scores: kept on the prospect, explained, and setting the priority of its work items."""

from datetime import timedelta

from engine import api, clock
from portal.crm.automation.scoring import score_customers, sweep_scores
from portal.crm.automation.texts import score_reasons
from portal.crm.models import Customer
from portal.crm.services.contacts import communication_record
from tests.crm.factories import CustomerFactory


def test_a_score_is_kept_with_the_reasons_for_it(people, stores):
    keen = CustomerFactory(
        home_store=stores[0],
        intent_level="high",
        source="referral",
        expected_purchase_by=(clock.now() + timedelta(days=10)).date(),
    )
    cold = CustomerFactory(home_store=stores[0], intent_level="low", source="website")
    sweep_scores()
    keen.refresh_from_db()
    assert keen.score == 65
    assert [why for _points, why in score_reasons(keen.score_reasons)] == [
        "high intent",
        "referral or walk-in",
        "plans to buy within 30 days",
    ]
    assert Customer.objects.get(pk=cold.pk).score == 0


def test_the_score_sets_the_priority_of_the_prospects_work_items(people, stores):
    keen = CustomerFactory(
        home_store=stores[0],
        intent_level="high",
        source="referral",
        budget_max=500000,
        expected_purchase_by=(clock.now() + timedelta(days=10)).date(),
    )
    item, _ = api.create_item(
        kind="reminder",
        title="Call back",
        role="sales",
        store_id=stores[0].pk,
        subject_ref=f"customer:{keen.pk}",
        priority=3,
    )
    score_customers([keen.pk])
    item.refresh_from_db()
    assert item.priority == 1  # 30 + 15 + 15 + 20 = 80, above priority_1_from


def test_recording_contacts_raises_the_score(people, stores):
    prospect = CustomerFactory(home_store=stores[0], owner=people["sales"], intent_level="low", source="website")
    for _ in range(2):
        communication_record(
            customer_id=prospect.pk, by=people["sales"], channel="phone", content="call", outcome="interested"
        )
    prospect.refresh_from_db()
    assert score_reasons(prospect.score_reasons) == [(10, "two or more contacts in 30 days")]
