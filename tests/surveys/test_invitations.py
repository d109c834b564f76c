"""What invites a customer, and how the link reaches them: care's outbox, once per invitation."""

from datetime import date

import pytest
from django.urls import reverse

from portal.care.models import Message, MessageStatus
from portal.crm.models import Complaint, ServiceRecord
from portal.crm.services.vehicles import order_deliver
from portal.surveys import services
from portal.surveys.links import token_for
from portal.surveys.models import Invitation, InvitationStatus
from portal.surveys.services_registry import survey_invite

pytestmark = pytest.mark.django_db


def test_a_delivery_sends_the_link_through_the_outbox_once(paid_order, seller):
    order_deliver(order_id=paid_order.pk, by=seller)
    invitation = Invitation.objects.get()
    message = Message.objects.get(dedupe_key=f"survey:{invitation.pk}")
    assert message.template_key == "survey_invitation"
    assert reverse("surveys:answer", args=[token_for(invitation)]) in message.body
    assert message.status == MessageStatus.QUEUED
    assert invitation.status == InvitationStatus.SENT
    services.invite_after_delivery(order_id=paid_order.pk)
    survey_invite(reason="delivery", record_id=paid_order.pk)
    assert Message.objects.filter(template_key="survey_invitation").count() == 1


def test_a_service_and_a_closed_complaint_invite(paid_order, store):
    vehicle = paid_order.vehicle
    vehicle.customer = paid_order.customer
    vehicle.save()
    service = ServiceRecord.objects.create(
        vehicle=vehicle, date=date(2026, 3, 1), mileage=5000, work_done="保养", cost=500
    )
    assert Invitation.objects.get(record=f"service:{service.pk}").questionnaire.reason == "service"
    complaint = Complaint.objects.create(
        customer=paid_order.customer, store=store, channel="phone", category="x", description="y", status="resolved"
    )
    from portal.crm.fsm import transition_apply

    transition_apply(complaint, "close", actor=None)
    assert Invitation.objects.get(record=f"complaint:{complaint.pk}").reason == "complaint"


def test_nothing_invites_when_switched_off(paid_order, seller, settings):
    settings.LOTFLOW_SURVEY_AFTER = []
    order_deliver(order_id=paid_order.pk, by=seller)
    assert not Invitation.objects.exists()


def test_the_bpmn_service_refuses_an_unknown_reason(paid_order):
    with pytest.raises(ValueError, match="unknown survey reason"):
        survey_invite(reason="birthday", record_id=paid_order.pk)
