"""A failing automatic step records an incident, is retried with backoff, and then waits
for an admin to retry or cancel it."""

from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.errors import InvalidState, NotFound
from engine.models import Incident, IncidentStatus
from tests.engine.services import UNAVAILABLE
from tests.helpers import assert_round_trip, deploy, only_item, open_items

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VIN = "LSVAU2180N2183294"


@pytest.fixture
def stock_down():
    """The stock system refuses the test VIN until the test takes it out again."""
    UNAVAILABLE.add(VIN)
    yield
    UNAVAILABLE.discard(VIN)


@pytest.fixture
def hold(stores, settings, stock_down):
    """A hold whose reservation failed once; three attempts at most, 30 s backoff doubling."""
    settings.LOTFLOW = {**settings.LOTFLOW, "INCIDENT_MAX_ATTEMPTS": 3, "INCIDENT_BACKOFF_SECONDS": 30}
    clock.freeze(START)
    deploy("vehicle_hold.bpmn")
    return api.start("vehicle_hold", data={"store_id": stores[0].pk, "vin": VIN}).instance_id


def _incident(instance: int) -> Incident:
    return Incident.objects.get(instance_id=instance)


def _worker_retries_at(seconds: int) -> int:
    clock.freeze(START + timedelta(seconds=seconds))
    return api.retry_due_incidents()


def _exhaust(instance: int) -> None:
    """Let the worker's two automatic retries fail (attempts 2 and 3)."""
    _worker_retries_at(30)
    _worker_retries_at(90)


def test_a_failing_service_task_records_an_incident_with_task_error_and_attempt(hold):
    incident = _incident(hold)
    assert (incident.element_id, incident.attempts, incident.status) == ("ReserveVehicle", 1, IncidentStatus.RETRYING)
    assert f"ConnectionError: stock system refused vehicle {VIN}" in incident.error
    assert incident.next_attempt_at == START + timedelta(seconds=30)
    assert (api.instance_detail(hold)["status"], open_items(hold)) == ("running", [])
    assert_round_trip(hold)


def test_instance_detail_shows_the_incident(hold):
    [shown] = api.instance_detail(hold)["incidents"]
    assert (shown["element_id"], shown["attempts"], shown["status"]) == ("ReserveVehicle", 1, "retrying")
    assert api.incidents()[0]["id"] == shown["id"]
    assert_round_trip(hold)


def test_nothing_is_retried_before_the_backoff_has_passed(hold):
    assert _worker_retries_at(29) == 0
    assert _incident(hold).attempts == 1
    assert_round_trip(hold)


def test_a_retry_that_fails_again_doubles_the_backoff(hold):
    assert _worker_retries_at(30) == 1
    incident = _incident(hold)
    assert (incident.attempts, incident.status) == (2, IncidentStatus.RETRYING)
    assert incident.next_attempt_at == START + timedelta(seconds=30 + 60)
    assert_round_trip(hold)


def test_retrying_at_a_given_time_counts_the_backoff_from_that_time(hold):
    # like fire_due_timers(now), retry_due_incidents(now) should act as if the clock read ``now``
    api.retry_due_incidents(START + timedelta(seconds=30))
    assert _incident(hold).next_attempt_at == START + timedelta(seconds=30 + 60)
    assert_round_trip(hold)


def test_after_the_last_attempt_the_incident_waits_for_an_admin(hold):
    _exhaust(hold)
    incident = _incident(hold)
    assert (incident.attempts, incident.status, incident.next_attempt_at) == (3, IncidentStatus.WAITING, None)
    assert _worker_retries_at(86400) == 0
    assert _incident(hold).attempts == 3
    assert_round_trip(hold)


def test_an_automatic_retry_that_succeeds_resolves_the_incident_and_moves_on(hold):
    UNAVAILABLE.discard(VIN)
    _worker_retries_at(30)
    assert _incident(hold).status == IncidentStatus.RESOLVED
    assert only_item(hold, "ConfirmHold").instructions == f"Stock system: reserved {VIN}."
    assert api.incidents() == []
    assert_round_trip(hold)


def test_an_admins_retry_of_a_waiting_incident_continues_the_instance(hold, people):
    _exhaust(hold)
    UNAVAILABLE.discard(VIN)
    api.retry_incident(_incident(hold).pk, user=people["admin"])
    assert _incident(hold).status == IncidentStatus.RESOLVED
    api.complete(only_item(hold, "ConfirmHold").pk, user=people["sales"])
    assert api.instance_detail(hold)["status"] == "completed"
    assert_round_trip(hold)


def test_an_admins_retry_that_fails_again_counts_another_attempt(hold, people):
    _exhaust(hold)
    api.retry_incident(_incident(hold).pk, user=people["admin"])
    assert (_incident(hold).attempts, _incident(hold).status) == (4, IncidentStatus.WAITING)
    assert_round_trip(hold)


def test_cancelling_the_instance_cancels_its_incident(hold, people):
    _exhaust(hold)
    api.cancel(hold, user=people["admin"], reason="car sold at another store")
    assert _incident(hold).status == IncidentStatus.CANCELLED
    assert api.incidents() == []
    assert_round_trip(hold)


def test_a_resolved_incident_cannot_be_retried(hold):
    UNAVAILABLE.discard(VIN)
    api.retry_incident(_incident(hold).pk)
    with pytest.raises(InvalidState):
        api.retry_incident(_incident(hold).pk)
    assert_round_trip(hold)


def test_retrying_an_unknown_incident_is_not_found(db):
    with pytest.raises(NotFound):
        api.retry_incident(424242)


def test_every_failed_attempt_is_audited(hold):
    _exhaust(hold)
    attempts = [e["data"]["attempts"] for e in api.instance_detail(hold)["audit"] if e["action"] == "incident"]
    assert attempts == [1, 2, 3]
    assert_round_trip(hold)
