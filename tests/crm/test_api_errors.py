"""The API answers every engine refusal with its 4xx and a message, never a 500.

POST /api/v1/leads is the real case (lead_to_cash not deployed). The other
refusals come from real engine calls made by a small API view of this module,
answered by the API's own exception handler, as every endpoint's are.
"""

import pytest
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.test import APIClient

from engine import api as engine
from portal.crm import tokens
from portal.crm.models import Customer, LeadIntake
from tests.helpers import BPMN_DIR, deploy, only_item


@api_view(["POST"])
def _complete(request, item_id):
    engine.complete(item_id, user=request.user, data=request.data)
    return Response({"done": True})


@api_view(["POST"])
def _cancel(request, instance_id):
    engine.cancel(instance_id, user=request.user, reason=request.data.get("reason", ""))
    return Response({"done": True})


@api_view(["POST"])
def _deploy(request):
    engine.deploy_paths([BPMN_DIR / request.data["file"]], user=request.user)
    return Response({"done": True})


urlpatterns = [
    path("engine-test/items/<int:item_id>/complete", _complete),
    path("engine-test/instances/<int:instance_id>/cancel", _cancel),
    path("engine-test/deploy", _deploy),
    path("", include("portal.urls")),
]
pytestmark = pytest.mark.urls("tests.crm.test_api_errors")


@pytest.fixture
def api(crm_people):
    def as_user(name):
        client = APIClient()
        client.raise_request_exception = False  # an unmapped error must show as the 500 it would be
        key = tokens.issue(crm_people[name])
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return as_user


@pytest.fixture
def contact(settings, stores, crm_people):
    """A lead_followup instance whose first step waits in 上海浦东店's sales queue."""
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"))
    instance = engine.start(
        "lead_followup",
        business_key="cust-7",
        user=crm_people["manager"],
        data={"store_id": stores[0].pk, "customer_id": 7, "customer_name": "Li Wei", "phone": "13800000007"},
    ).instance_id
    return instance, only_item(instance, "Contact").pk


def test_a_lead_while_lead_to_cash_is_not_deployed_is_409_naming_the_process(api, stores):
    answer = api("sales").post("/api/v1/leads", {"name": "Xu Ming", "phone": "13512345678"}, format="json")
    assert answer.status_code == 409
    assert "lead_to_cash" in answer.json()["detail"] and "not deployed" in answer.json()["detail"]
    assert not LeadIntake.objects.exists() and not Customer.objects.exists()


def test_a_missing_work_item_is_404(api, contact):
    answer = api("sales").post("/engine-test/items/999999/complete", {"outcome": "interested"}, format="json")
    assert answer.status_code == 404 and "999999" in answer.json()["detail"]


def test_work_of_another_store_is_403(api, contact):
    _, item = contact
    answer = api("other_sales").post(f"/engine-test/items/{item}/complete", {"outcome": "interested"}, format="json")
    assert answer.status_code == 403 and answer.json()["detail"]


def test_data_that_does_not_fit_the_form_is_400_per_field(api, contact):
    _, item = contact
    answer = api("sales").post(
        f"/engine-test/items/{item}/complete", {"outcome": "maybe", "colour": "red"}, format="json"
    )
    assert answer.status_code == 400 and set(answer.json()) == {"outcome", "colour"}


def test_completing_what_someone_else_completed_is_409(api, contact):
    _, item = contact
    assert (
        api("sales")
        .post(f"/engine-test/items/{item}/complete", {"outcome": "not_interested"}, format="json")
        .status_code
        == 200
    )
    late = api("sales2").post(f"/engine-test/items/{item}/complete", {"outcome": "interested"}, format="json")
    assert late.status_code == 409 and "already completed by sales" in late.json()["detail"]


def test_cancelling_an_ended_instance_is_409(api, contact):
    instance, _ = contact
    assert (
        api("manager")
        .post(f"/engine-test/instances/{instance}/cancel", {"reason": "duplicate"}, format="json")
        .status_code
        == 200
    )
    again = api("manager").post(f"/engine-test/instances/{instance}/cancel", {"reason": "again"}, format="json")
    assert again.status_code == 409 and again.json()["detail"]


def test_a_cancel_without_a_reason_is_400_on_the_form(api, contact):
    instance, _ = contact
    answer = api("manager").post(f"/engine-test/instances/{instance}/cancel", {"reason": " "}, format="json")
    assert answer.status_code == 400 and answer.json()


def test_a_refused_deployment_is_400_with_its_problems(api, db):
    answer = api("admin").post("/engine-test/deploy", {"file": "invalid_lane.bpmn"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["problems"] and all("invalid_lane.bpmn" in p for p in answer.json()["problems"])
