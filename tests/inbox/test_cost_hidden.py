"""The dealer's cost on acquisition steps (an appraisal's offer, the purchase price, the reconditioning
cost) is read on the item's page only by who may see it (scopes.can_see_cost): not by a salesperson or
a service adviser, in the instructions, the read-only values or the step's history."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from engine import api, clock
from portal.crm.services.acquisitions import acquisition_start
from tests.crm.factories import CustomerFactory, valid_vin
from tests.helpers import make_staff, only_item

from .conftest import signed_in, text_of

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
APPRAISAL = {
    "seller_name": "张敏",
    "seller_phone": "13900000001",
    "brand": "Honda",
    "model": "CR-V",
    "mileage": 61000,
    "condition": "后保险杠轻微划痕",
    "history": "一手车，无事故",
    "photos": "crv-front.jpg",
    "offered_price": 120000,
}


@pytest.fixture
def bought(people, stores, settings):
    """A trade-in appraised at ¥120,000, approved, bought for ¥118,000: its reconditioning waits for service.
    The appraiser is a salesperson who also does the service lane's work."""
    clock.freeze(START)
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "vehicle_acquisition.bpmn"])
    people["service"] = make_staff("service", stores[0], ["service"])
    people["sales_service"] = make_staff("sales_service", stores[0], ["sales", "service"])
    customer = CustomerFactory(home_store=stores[0], owner=people["sales"], stage="customer")
    iid = acquisition_start(by=people["sales"], store_id=stores[0].pk, source="trade_in", customer_id=customer.pk)
    api.complete(only_item(iid, "Appraise").pk, user=people["sales_service"], data={**APPRAISAL, "vin": valid_vin()})
    return iid


def page_of(user, item) -> str:
    answer = signed_in(user).get(reverse("inbox:item", args=[item.pk]))
    assert answer.status_code == 200
    return text_of(answer.content.decode())


def test_the_store_manager_reads_the_offer_as_money(people, bought):
    shown = page_of(people["manager"], only_item(bought, "ApproveOffer"))
    assert "¥120,000" in shown and "61,000 km" in shown


def test_the_salesperson_who_appraised_reads_neither_the_offer_nor_the_purchase_price_while_reconditioning(
    people, bought
):
    api.complete(only_item(bought, "ApproveOffer").pk, user=people["manager"], data={"decision": "approve"})
    api.complete(
        only_item(bought, "Purchase").pk,
        user=people["finance"],
        data={"purchase_price": 118000, "method": "transfer", "paid_on": "2026-11-03"},
    )
    recondition = only_item(bought, "Recondition")
    assert recondition.assignee == people["sales_service"]  # the appraiser carries on
    shown = page_of(people["sales_service"], recondition)
    for amount in ("120,000", "120000", "118,000", "118000"):
        assert amount not in shown, amount
    assert "后保险杠轻微划痕" in shown and "61,000" in shown  # the rest of the appraisal is there
    manager_view = page_of(people["manager"], recondition)
    assert "¥120,000" in manager_view and "¥118,000" in manager_view


def test_a_cost_value_in_the_instructions_reads_not_shown(people, stores, bought):
    from portal.inbox.values import instructions_shown

    approval = api.localize_item(only_item(bought, "ApproveOffer"))
    assert "¥120,000" in instructions_shown(approval)
    hidden = instructions_shown(approval, frozenset({"offered_price"}))
    assert "120,000" not in hidden and "(not shown)" in hidden
