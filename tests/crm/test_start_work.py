"""Starting processes from the portal: a complaint and an order change from the customer's
page, a transfer from the car's page, buying a car in."""

import pytest
from django.urls import reverse

from engine.models import InstanceStatus, ItemStatus, ProcessInstance, WorkItem
from portal.crm.models import Transfer, VehicleStatus
from portal.crm.services.vehicles import order_create
from tests.crm.factories import VehicleFactory
from tests.helpers import assert_round_trip, deploy, make_staff

PROCESSES = ("complaint", "order_change", "vehicle_transfer", "vehicle_acquisition")


@pytest.fixture
def deployed(db, settings):
    for name in PROCESSES:
        deploy(str(settings.LOTFLOW["PROCESS_DIR"] / f"{name}.bpmn"))


def _running(process_id: str) -> list[ProcessInstance]:
    return list(ProcessInstance.objects.filter(process_id=process_id, status=InstanceStatus.RUNNING))


def _open(instance: ProcessInstance) -> list[WorkItem]:
    return list(WorkItem.objects.filter(instance=instance, status=ItemStatus.OPEN).order_by("id"))


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- complaints -----------------------------------------------------------------------------


def test_a_salesperson_records_a_complaint_and_is_told_the_complaints_desk_has_it(
    deployed, book, crm_people, as_user, stores
):
    customer = book["mine"]
    page = as_user(crm_people["sales"]).post(reverse("crm:complaint_new", args=[customer.pk]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("crm:customer", args=[customer.pk])
    assert "“Take the complaint” waits in the Complaints queue at 上海浦东店" in _messages(page)
    [instance] = _running("complaint")
    [intake] = _open(instance)
    assert (intake.element_id, intake.role, intake.store_id) == ("Intake", "complaints", stores[0].pk)
    assert instance.business_key == f"customer:{customer.pk}"
    assert_round_trip(instance.pk)


def test_someone_who_takes_complaints_goes_straight_to_the_intake_form(deployed, book, stores, as_user):
    desk = make_staff("desk", stores[0], ["store_manager", "complaints"])
    page = as_user(desk).post(reverse("crm:complaint_new", args=[book["mine"].pk]))
    [intake] = _open(_running("complaint")[0])
    assert page.status_code == 302 and page["Location"] == reverse("inbox:item", args=[intake.pk])


def test_a_customer_out_of_sight_is_not_found_and_nothing_starts(deployed, book, crm_people, as_user):
    page = as_user(crm_people["sales"]).post(reverse("crm:complaint_new", args=[book["other_store"].pk]))
    assert page.status_code == 404 and _running("complaint") == []


def test_without_the_process_deployed_the_complaint_is_refused_with_the_reason(book, crm_people, as_user):
    page = as_user(crm_people["sales"]).post(reverse("crm:complaint_new", args=[book["mine"].pk]), follow=True)
    assert "The complaint was not recorded: no process 'complaint' is deployed" in _messages(page)
    assert ProcessInstance.objects.count() == 0


# --- order changes --------------------------------------------------------------------------


@pytest.fixture
def order(book, crm_people, stores):
    car = VehicleFactory(store=stores[0])
    return order_create(
        by=crm_people["sales"], customer_id=book["mine"].pk, vehicle_id=car.pk, price=150000, deposit=5000
    )


def test_the_salesperson_asks_for_an_order_change_and_lands_on_the_form(deployed, order, book, crm_people, as_user):
    client = as_user(crm_people["sales"])
    customer_page = client.get(reverse("crm:customer", args=[book["mine"].pk])).content.decode()
    assert f"#{order.pk}" in customer_page and "Request a change" in customer_page
    page = client.post(reverse("crm:order_change_new", args=[order.pk]), {"customer": book["mine"].pk})
    [instance] = _running("order_change")
    [describe] = _open(instance)
    assert describe.element_id == "RequestChange" and describe.assignee_id == crm_people["sales"].pk
    assert page["Location"] == reverse("inbox:item", args=[describe.pk])
    assert_round_trip(instance.pk)


def test_a_second_change_waits_for_the_first_and_a_colleague_may_not_ask(deployed, order, book, crm_people, as_user):
    url = reverse("crm:order_change_new", args=[order.pk])
    as_user(crm_people["sales"]).post(url, {"customer": book["mine"].pk})
    again = as_user(crm_people["sales"]).post(url, {"customer": book["mine"].pk}, follow=True)
    assert f"A change of order #{order.pk} is already under way" in _messages(again)
    colleague = as_user(crm_people["sales2"]).post(url, {"customer": book["mine"].pk})
    assert colleague.status_code == 404  # a colleague's order is out of their sight
    assert len(_running("order_change")) == 1


def test_someone_who_sees_the_order_but_did_not_sell_it_may_not_ask(deployed, order, book, crm_people, as_user):
    finance = as_user(crm_people["finance"]).post(
        reverse("crm:order_change_new", args=[order.pk]),
        {"customer": book["mine"].pk},
        HTTP_REFERER=reverse("crm:customers"),
        follow=True,
    )
    assert "they or a manager of the store can ask for a change" in _messages(finance)
    assert _running("order_change") == []


def test_the_store_manager_may_ask_but_not_for_a_delivered_order(deployed, order, book, crm_people, as_user):
    url = reverse("crm:order_change_new", args=[order.pk])
    type(order).objects.filter(pk=order.pk).update(status="delivered")
    refused = as_user(crm_people["manager"]).post(url, {"customer": book["mine"].pk}, follow=True)
    assert "only an open or paid order can change" in _messages(refused) and _running("order_change") == []
    type(order).objects.filter(pk=order.pk).update(status="paid")
    as_user(crm_people["manager"]).post(url, {"customer": book["mine"].pk})
    assert len(_running("order_change")) == 1


# --- transfers ------------------------------------------------------------------------------


def test_a_transfer_request_from_the_car_page_goes_to_the_source_manager(deployed, stock, crm_people, as_user, stores):
    car = stock["camry"]
    client = as_user(crm_people["sales"])
    assert "Request a transfer" in client.get(reverse("crm:vehicle", args=[car.pk])).content.decode()
    page = client.post(
        reverse("crm:transfer_new", args=[car.pk]),
        {"to_store": stores[1].pk, "reason": "A customer in 杭州西湖店 wants it"},
        follow=True,
    )
    assert page.redirect_chain[-1][0] == reverse("crm:vehicle", args=[car.pk])
    transfer = Transfer.objects.get(vehicle=car)
    assert f"Transfer #{transfer.pk} to 杭州西湖店 requested" in _messages(page)
    [instance] = _running("vehicle_transfer")
    [approval] = _open(instance)
    assert (approval.role, approval.store_id) == ("store_manager", stores[0].pk)
    assert_round_trip(instance.pk)


def test_a_transfer_without_a_reason_or_of_a_reserved_car_is_refused_on_the_page(
    deployed, stock, crm_people, as_user, stores
):
    car = stock["camry"]
    url = reverse("crm:transfer_new", args=[car.pk])
    client = as_user(crm_people["sales"])
    missing = client.post(url, {"to_store": stores[1].pk, "reason": ""})
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()
    type(car).objects.filter(pk=car.pk).update(status=VehicleStatus.RESERVED)
    reserved = client.post(url, {"to_store": stores[1].pk, "reason": "Wanted there"})
    assert reserved.status_code == 400 and "only a car in stock can be transferred" in reserved.content.decode()
    assert Transfer.objects.count() == 0 and _running("vehicle_transfer") == []


# --- buying cars in -------------------------------------------------------------------------


def test_buying_from_a_private_seller_starts_the_appraisal_for_the_service_desk(deployed, crm_people, as_user, stores):
    client = as_user(crm_people["sales"])
    assert client.get(reverse("crm:acquisition_new")).status_code == 200
    page = client.post(
        reverse("crm:acquisition_new"),
        {"store": stores[0].pk, "source": "private", "seller_name": "Zhou Qiang", "seller_phone": "13900001111"},
        follow=True,
    )
    assert "Buying in a car for 上海浦东店 started" in _messages(page)
    [instance] = _running("vehicle_acquisition")
    [appraisal] = _open(instance)
    assert (appraisal.element_id, appraisal.role) == ("Appraise", "service")
    assert_round_trip(instance.pk)


def test_a_trade_in_from_the_customer_page_names_the_customer_and_takes_an_appraiser_to_the_form(
    deployed, book, as_user, stores
):
    customer = book["mine"]
    client = as_user(make_staff("appraiser", stores[0], ["store_manager", "service"]))
    form = client.get(reverse("crm:acquisition_new"), {"customer": customer.pk}).content.decode()
    assert "Buy in 李伟&#x27;s car" in form or "Buy in 李伟's car" in form
    page = client.post(
        reverse("crm:acquisition_new"),
        {"store": stores[0].pk, "source": "trade_in", "customer": customer.pk, "seller_name": ""},
    )
    [appraisal] = _open(_running("vehicle_acquisition")[0])
    assert page["Location"] == reverse("inbox:item", args=[appraisal.pk])


def test_a_trade_in_needs_its_customer_and_a_seller_needs_a_name(deployed, crm_people, as_user, stores):
    client = as_user(crm_people["sales"])
    trade_in = client.post(reverse("crm:acquisition_new"), {"store": stores[0].pk, "source": "trade_in"})
    assert trade_in.status_code == 400 and "started from the customer&#x27;s page" in trade_in.content.decode()
    nameless = client.post(reverse("crm:acquisition_new"), {"store": stores[0].pk, "source": "private"})
    assert nameless.status_code == 400 and "Name the seller" in nameless.content.decode()
    other_store = client.post(
        reverse("crm:acquisition_new"), {"store": stores[1].pk, "source": "private", "seller_name": "Zhou"}
    )
    assert other_store.status_code == 400 and "Select a valid choice" in other_store.content.decode()
    assert _running("vehicle_acquisition") == []


# --- complaint calls ------------------------------------------------------------------------


def test_the_complaints_desk_finds_a_caller_by_number_and_lands_on_the_intake(deployed, book, crm_people, as_user):
    desk = as_user(crm_people["complaints"])
    assert "Take a complaint call" in desk.get(reverse("inbox:inbox")).content.decode()
    number = book["mine"].phones.get().number
    page = desk.post(reverse("crm:complaint_call"), {"phone": f"+86 {number}"})
    [instance] = _running("complaint")
    [intake] = _open(instance)
    assert page["Location"] == reverse("inbox:item", args=[intake.pk])
    assert instance.business_key == f"customer:{book['mine'].pk}"
    assert_round_trip(instance.pk)


def test_a_number_outside_the_desks_stores_is_not_found_and_names_nobody(deployed, book, crm_people, as_user):
    number = book["other_store"].phones.get().number
    page = as_user(crm_people["complaints"]).post(reverse("crm:complaint_call"), {"phone": number})
    html = page.content.decode()
    assert page.status_code == 400 and "No customer of your store has this number" in html
    assert "Liu Yang" not in html and _running("complaint") == []


def test_only_the_complaints_desk_takes_complaint_calls(deployed, book, crm_people, as_user):
    sales = as_user(crm_people["sales"])
    assert "Take a complaint call" not in sales.get(reverse("inbox:inbox")).content.decode()
    page = sales.post(reverse("crm:complaint_call"), {"phone": book["mine"].phones.get().number})
    assert page.status_code == 403 and _running("complaint") == []
