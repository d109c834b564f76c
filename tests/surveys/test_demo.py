"""The demo's survey answers: most invited customers have answered (one unhappy, whose answer opened a
complaint), the rest keep a link to answer on a phone; a second run changes nothing."""

from io import StringIO

from django.core.management import call_command

from portal.crm.models import Complaint
from portal.crm.models.choices import OrderStatus
from portal.crm.services.vehicles import order_deliver
from portal.surveys.models import Invitation, InvitationStatus, Response
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory


def test_two_of_three_invitations_are_answered_once(store, seller):
    # Answered or left open by invitation id (ids divisible by three stay open): six in a row give four answers.
    for i in range(6):
        customer = CustomerFactory(name=f"客户{i}", home_store=store, owner=seller, stage="customer")
        vehicle = VehicleFactory(store=store, status="reserved")
        order = OrderFactory(
            customer=customer, vehicle=vehicle, store=store, salesperson=seller, status=OrderStatus.PAID
        )
        order_deliver(order_id=order.pk, by=seller)
    assert Invitation.objects.count() == 6
    out = StringIO()
    call_command("survey_demo", stdout=out)
    assert "survey answers: 4" in out.getvalue()
    assert Response.objects.count() == 4 and Invitation.objects.exclude(status=InvitationStatus.ANSWERED).count() == 2
    unhappy = [pk for pk in Invitation.objects.values_list("pk", flat=True) if pk % 3 and pk % 7 == 1]
    assert Complaint.objects.count() == len(unhappy)  # an unhappy customer's answer opened a complaint
    call_command("survey_demo", stdout=StringIO())
    assert Response.objects.count() == 4
