"""The studio's incidents page: failed automatic steps across processes; admins retry or cancel
one or many with a reason (audited), hq and store managers read, others get a 404."""

from datetime import UTC, datetime

import pytest
from django.test import Client

import tests.engine.services  # noqa: F401 - registers the test services
from engine import api, clock
from engine.models import AuditEvent, Incident, IncidentStatus
from tests.engine.services import UNAVAILABLE
from tests.helpers import assert_round_trip, deploy, only_item

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VIN = "LSVAU2180N2183294"
URL = "/studio/incidents/"


@pytest.fixture
def failed(stores):
    """A vehicle hold in 上海浦东店 whose reservation failed: an open incident."""
    UNAVAILABLE.add(VIN)
    clock.freeze(START)
    deploy("vehicle_hold.bpmn")
    instance = api.start("vehicle_hold", data={"store_id": stores[0].pk, "vin": VIN}).instance_id
    yield Incident.objects.get(instance_id=instance)
    UNAVAILABLE.discard(VIN)


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["admin", "hq", "manager"])
def test_admins_hq_and_the_stores_managers_see_the_incident(failed, people, who):
    page = _as(people[who]).get(URL)
    assert page.status_code == 200
    # Only admins get the boxes to tick and the buttons.
    assert (f'value="{failed.pk}"' in page.content.decode()) == (who == "admin")
    assert "stock system refused vehicle" in page.content.decode()


def test_a_manager_of_another_store_sees_no_incident_of_this_one(failed, people):
    page = _as(people["other_manager"]).get(URL)
    assert "stock system refused vehicle" not in page.content.decode()


@pytest.mark.parametrize("who", ["sales", "finance"])
def test_others_get_a_404(failed, people, who):
    assert _as(people[who]).get(URL).status_code == 404


@pytest.mark.parametrize("who", ["hq", "manager"])
def test_only_admins_act(failed, people, who):
    response = _as(people[who]).post(URL, {"incidents": [failed.pk], "act": "retry", "reason": "try"})
    assert response.status_code == 404
    assert Incident.objects.get(pk=failed.pk).attempts == 1


def test_an_admin_retries_with_a_reason_and_it_is_audited(failed, people):
    UNAVAILABLE.discard(VIN)
    response = _as(people["admin"]).post(
        URL, {"incidents": [failed.pk], "act": "retry", "reason": "库存系统已恢复"}, follow=True
    )
    assert response.status_code == 200
    assert Incident.objects.get(pk=failed.pk).status == IncidentStatus.RESOLVED
    event = AuditEvent.objects.get(action="incident_retried")
    assert (event.actor, event.data["reason"], event.data["incident"]) == (people["admin"], "库存系统已恢复", failed.pk)
    assert only_item(failed.instance_id)
    assert_round_trip(failed.instance_id)


def test_a_retry_without_a_reason_does_nothing(failed, people):
    UNAVAILABLE.discard(VIN)
    response = _as(people["admin"]).post(URL, {"incidents": [failed.pk], "act": "retry", "reason": " "})
    assert response.status_code == 400
    assert Incident.objects.get(pk=failed.pk).status == IncidentStatus.RETRYING
    assert "reason" in response.content.decode().lower() or "理由" in response.content.decode()


def test_a_double_submitted_retry_runs_once(failed, people):
    UNAVAILABLE.discard(VIN)
    client = _as(people["admin"])
    for _ in range(2):
        client.post(URL, {"incidents": [failed.pk], "act": "retry", "reason": "back up"})
    assert AuditEvent.objects.filter(action="incident_retried").count() == 1


def test_an_admin_cancels_the_instance_of_an_incident(failed, people):
    _as(people["admin"]).post(URL, {"incidents": [failed.pk], "act": "cancel", "reason": "客户已取消"})
    assert api.instance_detail(failed.instance_id)["status"] == "cancelled"
    assert Incident.objects.get(pk=failed.pk).status == IncidentStatus.CANCELLED
    event = AuditEvent.objects.get(action="incident_cancelled")
    assert (event.actor, event.data["reason"]) == (people["admin"], "客户已取消")


def test_the_page_filters_by_process(failed, people):
    page = _as(people["admin"]).get(URL, {"process": "lead_to_cash"})
    assert "stock system refused vehicle" not in page.content.decode()
    page = _as(people["admin"]).get(URL, {"process": "vehicle_hold"})
    assert "stock system refused vehicle" in page.content.decode()
    assert "Reserve the car in the stock system (ReserveVehicle)" in page.content.decode()
