"""User, script and service tasks, and who may claim, release and hand out work."""

from datetime import UTC, datetime, timedelta

import pytest

import tests.engine.services  # noqa: F401 - registers test.quote and test.colours
from engine import api, clock
from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from engine.models import AuditEvent, ProcessInstance, WorkItem
from tests.helpers import assert_round_trip, deploy, only_item

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def offer(people, stores):
    """A trade-in offer asked for by sales2, waiting for a review in 上海浦东店."""
    clock.freeze(START)
    deploy("trade_in_offer.bpmn")
    data = {
        "store_id": stores[0].pk,
        "collect_store_id": stores[1].pk,
        "vehicle_id": 42,
        "make": "BYD",
        "model": "Han",
        "book_value": 120000,
        "repairs": 8000,
        "due_text": "2026-11-20T18:00:00+08:00",
    }
    return api.start("trade_in_offer", data=data, user=people["sales2"]).instance_id


def _review(instance: int, user, decision: str = "accept") -> None:
    api.complete(only_item(instance, "ReviewOffer").pk, user=user, data={"decision": decision})


# --- script, service and user task settings -------------------------------------------


def test_script_and_service_task_results_reach_the_reviewers_instructions(offer):
    item = only_item(offer, "ReviewOffer")
    assert item.instructions == "Offer 112000 CNY for the BYD Han (round 1)."
    assert_round_trip(offer)


def test_user_task_properties_become_the_work_items_fields(offer, stores):
    item = only_item(offer, "ReviewOffer")
    assert (item.title, item.role, item.store_id, item.form) == (
        "Review the trade-in offer",
        "sales",
        stores[0].pk,
        "review_offer.json",
    )
    assert (item.subject_label, item.subject_ref, item.priority) == ("BYD Han", "vehicle:42", 2)
    assert item.due_at == START + timedelta(days=2)
    assert api.form_for(item)["required"] == ["decision"]
    assert_round_trip(offer)


def test_excluded_person_does_not_see_the_task_and_may_not_claim_it(offer, people):
    item = only_item(offer, "ReviewOffer")
    assert api.inbox_for(people["sales2"]).claimable == []
    with pytest.raises(NotAllowed):
        api.claim(item.pk, user=people["sales2"])
    assert_round_trip(offer)


def test_salesperson_of_another_store_does_not_see_the_task(offer, people):
    assert api.inbox_for(people["other_sales"]).claimable == []
    assert_round_trip(offer)


def test_the_next_task_goes_to_whoever_completed_the_review(offer, people):
    _review(offer, people["sales"])
    item = only_item(offer, "ConfirmWithCustomer")
    assert item.assignee_id == people["sales"].pk
    assert [i.pk for i in api.inbox_for(people["sales"]).mine] == [item.pk]
    assert api.inbox_for(people["manager"]).claimable == []
    assert_round_trip(offer)


def test_post_script_result_feeds_the_next_tasks_priority_expression(offer, people):
    _review(offer, people["sales"], decision="decline")
    item = only_item(offer, "ConfirmWithCustomer")
    assert (item.priority, item.instructions) == (4, "The customer was told: decline.")
    assert_round_trip(offer)


def test_store_property_puts_the_task_in_another_stores_queue(offer, people, stores):
    _review(offer, people["sales"])
    api.complete(only_item(offer, "ConfirmWithCustomer").pk, user=people["sales"])
    item = only_item(offer, "CollectCar")
    assert item.store_id == stores[1].pk
    assert item.due_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert [i.pk for i in api.inbox_for(people["other_sales"]).claimable] == [item.pk]
    assert api.inbox_for(people["sales"]).claimable == []
    assert_round_trip(offer)


def test_completing_every_task_finishes_the_instance_with_an_audit_trail(offer, people):
    _review(offer, people["sales"])
    api.complete(only_item(offer, "ConfirmWithCustomer").pk, user=people["sales"])
    api.complete(only_item(offer, "CollectCar").pk, user=people["other_sales"])
    detail = api.instance_detail(offer)
    assert detail["status"] == "completed"
    completions = [(e["element_id"], e["actor"]) for e in detail["audit"] if e["action"] == "completed"]
    assert completions == [("ReviewOffer", "sales"), ("ConfirmWithCustomer", "sales"), ("CollectCar", "other_sales")]
    assert_round_trip(offer)


def test_a_choice_field_only_accepts_what_its_provider_lists(offer, people):
    item = only_item(offer, "ReviewOffer")
    assert api.field_choices(item)["colour"][0] == {"value": "red", "label": "Red"}
    with pytest.raises(InvalidData) as refused:
        api.complete(item.pk, user=people["sales"], data={"decision": "accept", "colour": "pink"})
    assert list(refused.value.errors) == ["colour"]
    assert_round_trip(offer)


# --- claim, release, assign -------------------------------------------------------------


def test_claiming_moves_the_task_from_the_queue_to_the_claimers_inbox(offer, people):
    item = only_item(offer, "ReviewOffer")
    api.claim(item.pk, user=people["sales"])
    assert [i.pk for i in api.inbox_for(people["sales"]).mine] == [item.pk]
    assert api.inbox_for(people["sales"]).claimable == []
    assert [e["action"] for e in api.instance_detail(offer)["audit"]][-1] == "claimed"
    assert_round_trip(offer)


def test_a_claimed_task_cannot_be_claimed_by_a_colleague(offer, people):
    item = only_item(offer, "ReviewOffer")
    api.claim(item.pk, user=people["sales"])
    with pytest.raises(Conflict, match="already taken by sales"):
        api.claim(item.pk, user=people["manager"])
    assert_round_trip(offer)


def test_a_claimed_task_may_only_be_completed_by_the_claimer(offer, people):
    item = only_item(offer, "ReviewOffer")
    api.claim(item.pk, user=people["sales"])
    with pytest.raises(NotAllowed):
        api.complete(item.pk, user=people["other_sales"], data={"decision": "accept"})
    assert_round_trip(offer)


def test_releasing_puts_the_task_back_in_the_queue(offer, people):
    item = only_item(offer, "ReviewOffer")
    api.claim(item.pk, user=people["sales"])
    api.release(item.pk, user=people["sales"])
    released = WorkItem.objects.get(pk=item.pk)
    assert (released.assignee_id, released.claimed) == (None, False)
    assert [i.pk for i in api.inbox_for(people["sales"]).claimable] == [item.pk]
    assert_round_trip(offer)


def test_only_the_claimer_may_release(offer, people):
    item = only_item(offer, "ReviewOffer")
    api.claim(item.pk, user=people["sales"])
    with pytest.raises(NotAllowed):
        api.release(item.pk, user=people["manager"])
    assert_round_trip(offer)


def test_an_assigned_task_with_a_lane_can_be_released_to_the_lanes_queue(offer, people):
    _review(offer, people["sales"])
    item = only_item(offer, "ConfirmWithCustomer")
    api.release(item.pk, user=people["sales"])
    assert WorkItem.objects.get(pk=item.pk).assignee_id is None
    assert_round_trip(offer)


def test_manager_hands_a_task_to_a_salesperson_of_the_store(offer, people):
    item = only_item(offer, "ReviewOffer")
    api.assign(item.pk, to=people["sales"], user=people["manager"])
    assert [i.pk for i in api.inbox_for(people["sales"]).mine] == [item.pk]
    assert api.instance_detail(offer)["audit"][-1]["data"] == {"from": None, "to": "sales"}
    assert_round_trip(offer)


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("sales", "sales"),  # a salesperson may not hand out work
        ("other_manager", "sales"),  # a manager of another store may not either
        ("manager", "other_sales"),  # nor to someone without the role in this store
        ("manager", "sales2"),  # nor to someone the task excludes
    ],
)
def test_handing_out_a_task_is_refused_and_changes_nothing(offer, people, actor, target):
    item = only_item(offer, "ReviewOffer")
    with pytest.raises(NotAllowed):
        api.assign(item.pk, to=people[target], user=people[actor])
    assert WorkItem.objects.get(pk=item.pk).assignee_id is None
    assert_round_trip(offer)


# --- a person's call that fails changes nothing -----------------------------------------


def _fingerprint(instance: int) -> tuple:
    row = ProcessInstance.objects.get(pk=instance)
    items = list(WorkItem.objects.filter(instance_id=instance).values_list("id", "status", "assignee_id"))
    return row.version, row.state, items, AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("user", "data", "error"),
    [
        ("sales", {"decision": "maybe"}, InvalidData),
        ("sales", {"decision": "accept", "mileage": "lots"}, InvalidData),
        ("sales", {}, InvalidData),
        ("sales", ["accept"], InvalidData),
        ("other_sales", {"decision": "accept"}, NotAllowed),
        ("sales2", {"decision": "accept"}, NotAllowed),
    ],
)
def test_a_refused_completion_changes_nothing(offer, people, user, data, error):
    item = only_item(offer, "ReviewOffer")
    before = _fingerprint(offer)
    with pytest.raises(error):
        api.complete(item.pk, user=people[user], data=data)
    assert _fingerprint(offer) == before
    assert_round_trip(offer)


def test_completing_an_unknown_work_item_is_not_found(offer, people):
    before = _fingerprint(offer)
    with pytest.raises(NotFound):
        api.complete(999999, user=people["sales"], data={"decision": "accept"})
    assert _fingerprint(offer) == before
    assert_round_trip(offer)


def test_a_wrongly_typed_field_is_named_in_the_refusal(offer, people):
    item = only_item(offer, "ReviewOffer")
    with pytest.raises(InvalidData) as refused:
        api.complete(item.pk, user=people["sales"], data={"decision": "accept", "mileage": "lots"})
    assert list(refused.value.errors) == ["mileage"]
    assert_round_trip(offer)
