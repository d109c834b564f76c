"""A complete's writes on PostgreSQL with real connections, as one statement (engine/sql.py write_step)
when the step changes no timer, wait or other item, else in psycopg's pipeline (step_transaction): the
guarded updates fail the whole step when their row moved, the next items and the audit row are written
together, and nothing of a failed step stays written."""

import pytest

from engine import api
from engine.errors import Conflict
from engine.models import AuditEvent, DueTimer, ItemStatus, WorkItem
from tests.engine.test_concurrency import _both_read_first, _run_together
from tests.helpers import assert_round_trip, deploy, open_items

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _completed_audits(instance_id: int) -> dict[int, list[AuditEvent]]:
    found: dict[int, list[AuditEvent]] = {}
    for event in AuditEvent.objects.filter(instance_id=instance_id, action="completed"):
        found.setdefault(event.work_item_id, []).append(event)
    return found


def test_each_completed_item_has_one_audit_row_naming_the_items_it_opened(people, stores):
    deploy("concurrent_branches.bpmn")
    instance = api.start("concurrent_branches", data={"store_id": stores[0].pk}).instance_id
    papers, car = open_items(instance)

    first = api.complete(papers.pk, user=people["sales"])
    second = api.complete(car.pk, user=people["sales"])

    assert first.opened == []  # the join waits for the other branch
    assert second.opened == [i.pk for i in open_items(instance)] and len(second.opened) == 1
    audits = _completed_audits(instance)
    assert sorted(audits) == sorted([papers.pk, car.pk])
    assert all(len(rows) == 1 for rows in audits.values())
    assert audits[papers.pk][0].data == {"data": {}, "opened": []}
    assert audits[car.pk][0].data["opened"] == second.opened
    assert_round_trip(instance)


def test_a_step_that_lost_the_race_leaves_nothing_written(people, stores, monkeypatch):
    deploy("concurrent_branches.bpmn")
    instance = api.start("concurrent_branches", data={"store_id": stores[0].pk}).instance_id
    item = next(i for i in open_items(instance) if i.element_id == "CheckPapers")
    _both_read_first(monkeypatch)

    results = _run_together(
        lambda: api.complete(item.pk, user=people["sales"]), lambda: api.complete(item.pk, user=people["sales2"])
    )

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], Conflict), results
    assert "already completed" in str(losers[0])
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.DONE
    assert [len(rows) for rows in _completed_audits(instance).values()] == [1]
    assert [i.element_id for i in open_items(instance)] == ["CheckCar"]
    assert_round_trip(instance)
    # The instance goes on from there.
    monkeypatch.undo()
    after = api.complete(open_items(instance)[0].pk, user=people["sales"])
    assert after.opened == [i.pk for i in open_items(instance)]
    assert_round_trip(instance)


def test_a_pipelined_step_that_lost_the_race_leaves_nothing_written(people, stores, monkeypatch):
    """Completing the call ends its two SLA timers: the writes go through the pipeline, not as one statement."""
    deploy("contact_sla.bpmn")
    instance = api.start("contact_sla", data={"store_id": stores[0].pk}).instance_id
    (call,) = open_items(instance)
    assert DueTimer.objects.filter(instance_id=instance).count() == 2
    _both_read_first(monkeypatch)

    results = _run_together(
        lambda: api.complete(call.pk, user=people["sales"]), lambda: api.complete(call.pk, user=people["sales2"])
    )

    losers = [r for r in results if isinstance(r, Exception)]
    assert len(losers) == 1 and isinstance(losers[0], Conflict), results
    assert WorkItem.objects.get(pk=call.pk).status == ItemStatus.DONE
    assert [len(rows) for rows in _completed_audits(instance).values()] == [1]
    assert not DueTimer.objects.filter(instance_id=instance).exists()
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_the_item_page_completes_through_the_pipeline_once(people, stores):
    from django.conf import settings
    from django.test import Client

    from tests.helpers import only_item

    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"))
    started = api.start(
        "lead_followup",
        business_key="cust-7",
        user=people["manager"],
        data={"store_id": stores[0].pk, "customer_id": 7, "customer_name": "Li Wei", "phone": "13800000007"},
    )
    contact = only_item(started.instance_id, "Contact")
    client = Client()
    client.force_login(people["sales"])

    response = client.post(f"/items/{contact.pk}/", {"outcome": "interested", "intent_level": "high"}, follow=True)
    again = client.post(f"/items/{contact.pk}/", {"outcome": "interested", "intent_level": "high"}, follow=True)

    booking = only_item(started.instance_id, "BookTestDrive")
    assert response.redirect_chain == [(f"/items/{booking.pk}/", 302)]
    assert "nothing was done twice" in again.content.decode()
    assert [len(rows) for rows in _completed_audits(started.instance_id).values()] == [1]
    assert _completed_audits(started.instance_id)[contact.pk][0].data["opened"] == [booking.pk]
    assert_round_trip(started.instance_id)
