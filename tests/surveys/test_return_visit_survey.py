"""The return-visit call: its work item opens the survey, staff enter the answers during the call, and the
visit's own score and complaint keep working as before."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from engine import api, clock
from engine.models import ProcessInstance
from portal.care.models import Message
from portal.crm.models import Complaint
from portal.crm.services.vehicles import order_create, order_deliver, payment_record
from portal.inbox.subjects import subject_of
from portal.surveys import services
from portal.surveys.models import AnsweredBy, Invitation, Response
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import make_staff, only_item
from tests.surveys.test_surveys import _answers

pytestmark = pytest.mark.django_db

DELIVERED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FIRST = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def call(people, stores, settings):
    clock.freeze(DELIVERED)
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "return_visit.bpmn"])
    people["service"] = make_staff("service", stores[0], ["service"])
    customer = CustomerFactory(name="王芳", home_store=stores[0], owner=people["sales"])
    car = VehicleFactory(store=stores[0])
    order = order_create(by=people["sales"], customer_id=customer.pk, vehicle_id=car.pk, price=150000)
    payment_record(order_id=order.pk, by=people["finance"], method="transfer", amount=150000)
    order_deliver(order_id=order.pk, by=people["manager"], delivered_at=DELIVERED)
    instance_id = ProcessInstance.objects.get(business_key=f"order:{order.pk}").pk
    api.fire_due_timers(FIRST)
    yield only_item(instance_id, "Visit")
    clock.freeze(None)


def _fill(people, item, scale: int) -> Response:
    action = subject_of(item, people["service"]).actions[0]
    client = Client()
    client.force_login(people["service"])
    assert client.get(action.url).status_code == 200
    invitation = Invitation.objects.get(record__startswith="return_visit:")
    assert client.post(action.url, _answers(invitation, scale)).status_code == 302
    return Response.objects.get(invitation=invitation)


def test_staff_enter_the_survey_from_the_call_and_the_visit_still_records_its_score(people, call):
    response = _fill(people, call, 4)
    assert (response.answered_by, response.staff, response.complaint) == (AnsweredBy.STAFF, people["service"], None)
    assert not Message.objects.filter(dedupe_key=f"survey:{response.invitation_id}").exists()  # a call sends no link
    api.complete(call.pk, user=people["service"], data={"satisfaction_score": 5, "notes": ""})
    assert not Complaint.objects.exists()


def test_a_low_survey_on_the_call_opens_one_complaint(people, call):
    response = _fill(people, call, 1)
    complaint = Complaint.objects.get()
    assert (response.complaint, complaint.category, complaint.channel) == (complaint, "satisfaction survey", "phone")
    api.complete(call.pk, user=people["service"], data={"satisfaction_score": 4, "notes": ""})
    assert Complaint.objects.count() == 1


def test_staff_fill_a_survey_from_the_customers_page(people, stores):
    from django.urls import reverse

    from portal.surveys.models import Invitation as Made

    customer = CustomerFactory(name="李雷", home_store=stores[0], owner=people["sales"])
    client = Client()
    client.force_login(people["sales"])
    url = reverse("surveys:customer_fill", args=[customer.pk])
    assert "?reason=service" in client.get(url).content.decode()
    assert client.post(url + "?reason=service", {}).status_code == 400
    assert not Made.objects.exists()
    questionnaire = services.questionnaire_for("service")
    data = {f"q{q.pk}": ("5" if q.scale else "0") for q in questionnaire.questions.all() if q.kind != "text"}
    assert client.post(url + "?reason=service", data).status_code == 302
    response = Response.objects.get()
    assert (response.customer, response.answered_by, response.staff) == (customer, AnsweredBy.STAFF, people["sales"])
    assert response.index == 100
