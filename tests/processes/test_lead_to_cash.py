"""lead_to_cash walked end to end through the engine API: sale, late contact, loss, cancellation."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from engine import api, clock
from engine.errors import InvalidData, InvalidState
from portal.care.models import Message
from portal.crm.models import (
    ChangeRecord,
    Communication,
    Customer,
    FollowUpPlan,
    InsurancePolicy,
    MaintenancePlan,
    Order,
    Staff,
)
from portal.crm.services.leads import lead_receive
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import assert_round_trip, deploy, make_staff, only_item

User = get_user_model()
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def shop(people, stores, settings):
    clock.freeze(START)
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))
    people["service"] = make_staff("service", stores[0], ["service"])
    owned = CustomerFactory(name="Li Wei", home_store=stores[0], owner=people["sales"])
    return {"owned": owned, "camry": VehicleFactory(store=stores[0], asking_price=150000)}


def done(instance_id: int, element: str, user, **data) -> None:
    api.complete(only_item(instance_id, element).pk, user=user, data=data)


def lead_for(customer) -> int:
    return lead_receive(name=customer.name, phone=customer.phones.get().number, channel="api").process_instance_id


def to_order(iid: int, people, camry, **quote) -> Order:
    done(iid, "FirstContact", people["sales"], outcome="interested", notes="Wants a family sedan")
    done(
        iid,
        "Qualify",
        people["sales"],
        intent_level="high",
        vehicle_type="sedan",
        budget_max=200000,
        needs="Family of four",
        next_step="quote",
    )
    done(
        iid,
        "Quote",
        people["sales"],
        **{
            "vehicle_id": camry.pk,
            "price": 148000,
            "payment_plan": "full",
            "deposit": 5000,
            "delivery_date": "2026-11-20",
            "decision": "order",
            **quote,
        },
    )
    done(iid, "RecordDeposit", people["finance"], deposit_method="card")
    return Order.objects.get(vehicle=camry)


def test_a_lead_of_an_owned_customer_is_sold_delivered_and_cared_for(shop, people):
    iid = lead_for(shop["owned"])
    contact = only_item(iid, "FirstContact")
    assert (contact.assignee_id, contact.due_at) == (people["sales"].pk, START + timedelta(hours=24))
    done(iid, "FirstContact", people["sales"], outcome="interested", notes="Wants a family sedan")
    done(
        iid,
        "Qualify",
        people["sales"],
        intent_level="high",
        vehicle_type="sedan",
        budget_max=200000,
        needs="Family of four",
        next_step="test_drive",
    )
    done(iid, "BookAppointment", people["sales"], appointment_at="2026-11-04T10:00:00+08:00", model="Camry")
    assert FollowUpPlan.objects.get(customer=shop["owned"]).owner == people["sales"]
    done(iid, "AppointmentOutcome", people["sales"], visit_result="quote", impressions="Liked the boot")
    quote = {
        "vehicle_id": shop["camry"].pk,
        "price": 150000,
        "payment_plan": "full",
        "deposit": 5000,
        "delivery_date": "2026-11-20",
    }
    done(iid, "Quote", people["sales"], **quote, decision="negotiate")
    done(iid, "Quote", people["sales"], **{**quote, "price": 146000}, decision="order")
    order = Order.objects.get(customer=shop["owned"])
    assert (order.price, order.status, order.vehicle.status) == (146000, "open", "reserved")
    done(iid, "RecordDeposit", people["finance"], deposit_method="card")
    done(iid, "Balance", people["finance"], balance_outcome="loan_approved", balance_method="loan")
    order.refresh_from_db()
    shop["owned"].refresh_from_db()
    assert (order.status, shop["owned"].stage) == ("paid", "customer")
    done(iid, "PrepareVehicle", people["service"], inspected=True, cleaned=True, documents_ready=True)
    # The customer is told twice on the way (portal/care): the order paid, then the car prepared.
    told = set(Message.objects.filter(customer=shop["owned"]).values_list("dedupe_key", flat=True))
    assert {f"order_progress:{order.pk}:paid", f"order_progress:{order.pk}:prepared"} <= told
    done(iid, "Deliver", people["sales"], delivered_at="2026-11-20T10:30:00+08:00", delivery_place="Showroom")
    order.refresh_from_db()
    assert (order.status, order.vehicle.status, order.vehicle.customer) == ("delivered", "sold", shop["owned"])
    done(
        iid,
        "Aftercare",
        people["sales"],
        card_level="gold",
        insurer="PICC",
        compulsory_policy="C-1",
        commercial_policy="B-1",
        policies_expire_on="2027-11-19",
    )
    detail = api.instance_detail(iid)
    assert detail["status"] == "completed" and detail["state_bytes"] < 32 * 1024, detail["state_bytes"]
    assert shop["owned"].membership_card.level == "gold"
    assert InsurancePolicy.objects.filter(vehicle=order.vehicle).count() == 2
    assert MaintenancePlan.objects.filter(vehicle=order.vehicle).exists()
    assert_round_trip(iid)


def test_cancelling_after_delivery_is_refused_and_nothing_changes(shop, people):
    iid = lead_for(shop["owned"])
    to_order(iid, people, shop["camry"])
    done(iid, "Balance", people["finance"], balance_outcome="paid_in_full", balance_method="transfer")
    done(iid, "PrepareVehicle", people["service"], inspected=True, cleaned=True, documents_ready=True)
    done(iid, "Deliver", people["sales"], delivered_at="2026-11-20T10:30:00+08:00", delivery_place="Showroom")
    before = api.instance_detail(iid)
    with pytest.raises(InvalidState, match="a delivered order cannot be cancelled"):
        done(
            iid,
            "Aftercare",
            people["sales"],
            card_level="gold",
            insurer="PICC",
            compulsory_policy="C-1",
            commercial_policy="B-1",
            policies_expire_on="2027-11-19",
            cancel_order=True,
        )
    after = api.instance_detail(iid)
    assert (after["state_version"], after["open_tasks"]) == (before["state_version"], before["open_tasks"])
    assert Order.objects.get(customer=shop["owned"]).status == "delivered"
    assert_round_trip(iid)


def test_a_cancelled_order_refunds_the_deposit_through_finance_and_frees_the_car(shop, people):
    iid = lead_for(shop["owned"])
    order = to_order(iid, people, shop["camry"])
    done(iid, "Balance", people["finance"], balance_outcome="cancelled", cancel_reason="Bought elsewhere")
    refund = only_item(iid, "RefundDeposit")
    assert refund.role == "finance"
    api.complete(refund.pk, user=people["finance"], data={"refund_method": "transfer", "refund_reference": "R-77"})
    order.refresh_from_db()
    assert (order.status, order.vehicle.status) == ("cancelled", "in_stock")
    refunded = ChangeRecord.objects.get(entity="order", entity_id=order.pk, field="refund")
    assert refunded.new_value == "5000 yuan by transfer (R-77)" and "Bought elsewhere" in refunded.note
    assert api.instance_detail(iid)["status"] == "completed"
    assert_round_trip(iid)


def test_a_late_first_contact_escalates_and_the_manager_reassigns_the_pool_lead(shop, people):
    iid = lead_receive(name="Xu Ming", phone="13512345678", channel="api", source="marketplace").process_instance_id
    contact = only_item(iid, "FirstContact")
    assert (contact.assignee_id, contact.role) == (None, "sales")
    assert api.fire_due_timers(START + timedelta(hours=24)) == 1
    escalation = only_item(iid, "EscalateContact")
    assert escalation.role == "store_manager"
    api.complete(escalation.pk, user=people["manager"], data={"action": "reassign", "reassign_to": "sales2"})
    customer = Customer.objects.get(name="Xu Ming")
    assert customer.owner == people["sales2"]
    api.assign(contact.pk, to=people["sales2"], user=people["manager"])
    api.complete(
        contact.pk,
        user=people["sales2"],
        data={"outcome": "not_interested", "notes": "Bought already", "lost_reason": "Bought a Tesla"},
    )
    assert api.instance_detail(iid)["status"] == "completed"
    assert Communication.objects.filter(customer=customer, content="Lost: Bought a Tesla").exists()
    assert_round_trip(iid)


def test_a_pool_lead_belongs_to_the_salesperson_who_makes_the_first_contact(shop, people):
    iid = lead_receive(name="Xu Ming", phone="13512345678", channel="api", source="marketplace").process_instance_id
    assert [i.pk for i in api.inbox_for(people["sales2"]).claimable] == [only_item(iid, "FirstContact").pk]
    done(iid, "FirstContact", people["sales2"], outcome="interested", notes="Wants an SUV")
    assert Customer.objects.get(name="Xu Ming").owner == people["sales2"]
    assert only_item(iid, "Qualify").assignee_id == people["sales2"].pk
    assert_round_trip(iid)


def test_wrong_or_missing_fields_are_refused_with_the_field_named(shop, people):
    iid = lead_for(shop["owned"])
    item = only_item(iid, "FirstContact")
    with pytest.raises(InvalidData) as refused:
        api.complete(item.pk, user=people["sales"], data={"outcome": "not_interested"})
    assert set(refused.value.errors) == {"notes", "lost_reason"}
    done(iid, "FirstContact", people["sales"], outcome="interested", notes="ok")
    done(
        iid,
        "Qualify",
        people["sales"],
        intent_level="high",
        vehicle_type="sedan",
        budget_max=200000,
        needs="Family",
        next_step="quote",
    )
    with pytest.raises(InvalidState, match="deposit"):
        done(
            iid,
            "Quote",
            people["sales"],
            vehicle_id=shop["camry"].pk,
            price=1000,
            payment_plan="full",
            deposit=5000,
            delivery_date="2026-11-20",
            decision="order",
        )
    assert only_item(iid, "Quote") and not Order.objects.exists()
    assert_round_trip(iid)


def test_a_prospect_lost_at_the_quote_needs_only_the_reason(shop, people):
    iid = lead_for(shop["owned"])
    done(iid, "FirstContact", people["sales"], outcome="interested", notes="ok")
    done(
        iid,
        "Qualify",
        people["sales"],
        intent_level="low",
        vehicle_type="suv",
        budget_max=90000,
        needs="Cheap SUV",
        next_step="quote",
    )
    done(iid, "Quote", people["sales"], decision="lost", lost_reason="Too expensive")
    assert api.instance_detail(iid)["status"] == "completed"
    assert Communication.objects.filter(customer=shop["owned"], content="Lost: Too expensive").exists()
    assert_round_trip(iid)


def test_stats_show_where_leads_wait(shop, people):
    iid = lead_for(shop["owned"])
    clock.freeze(START + timedelta(hours=2))
    done(iid, "FirstContact", people["sales"], outcome="interested", notes="ok")
    steps = {s["element_id"]: s for s in api.process_stats("lead_to_cash")["steps"]}
    assert (steps["FirstContact"]["done"], steps["FirstContact"]["average_seconds"]) == (1, 7200)
    assert steps["Qualify"]["waiting"] == 1


def test_the_balance_goes_to_the_finance_person_who_took_the_deposit(shop, people, stores):
    make_staff("finance2", stores[0], ["finance"])  # a colleague who could take it from the queue
    iid = lead_for(shop["owned"])
    to_order(iid, people, shop["camry"])
    balance = only_item(iid, "Balance")
    assert (balance.assignee_id, balance.role) == (people["finance"].pk, "finance")
    assert [i.pk for i in api.inbox_for(people["finance"]).mine] == [balance.pk]
    assert api.inbox_for(User.objects.get(username="finance2")).claimable == []
    assert_round_trip(iid)


def test_finance_submitting_the_deposit_lands_on_the_balance(shop, people):
    iid = lead_for(shop["owned"])
    done(iid, "FirstContact", people["sales"], outcome="interested", notes="Wants a family sedan")
    client = Client()
    client.force_login(people["sales"])
    qualify = only_item(iid, "Qualify")
    post = {"intent_level": "high", "vehicle_type": "sedan", "budget_max": "200000", "next_step": "quote"}
    response = client.post(f"/items/{qualify.pk}/", {**post, "needs": "Family of four"})
    assert response.url == f"/items/{only_item(iid, 'Quote').pk}/"  # the owner's quote comes next
    quote = {"vehicle_id": shop["camry"].pk, "price": 148000, "payment_plan": "full", "deposit": 5000}
    done(iid, "Quote", people["sales"], **quote, delivery_date="2026-11-20", decision="order")
    deposit = only_item(iid, "RecordDeposit")
    client.force_login(people["finance"])
    response = client.post(f"/items/{deposit.pk}/", {"deposit_method": "card"}, follow=True)
    balance = only_item(iid, "Balance")
    assert response.redirect_chain == [(f"/items/{balance.pk}/", 302)]
    assert response.context["page"].item.pk == balance.pk
    assert "Done: “Collect the deposit” (Li Wei)." in response.content.decode()


def test_a_leavers_continuation_waits_in_the_finance_queue(shop, people, stores):
    iid = lead_for(shop["owned"])
    to_order(iid, people, shop["camry"])
    successor = make_staff("finance2", stores[0], ["finance"])
    Staff.objects.filter(user=people["finance"]).update(active=False)
    api.grants_changed()
    api.hand_over(leaver=people["finance"], successors={})
    balance = only_item(iid, "Balance")
    assert balance.assignee_id is None  # back in the queue, as any leaver's role work
    api.claim(balance.pk, user=successor)
    done(iid, "Balance", successor, balance_outcome="cancelled", cancel_reason="Bought elsewhere")
    refund = only_item(iid, "RefundDeposit")
    assert (refund.assignee_id, refund.role) == (None, "finance")  # the deposit taker left: the queue
    assert [i.pk for i in api.inbox_for(successor).claimable] == [refund.pk]
    assert_round_trip(iid)
