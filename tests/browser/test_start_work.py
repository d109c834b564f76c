"""Work that no lead starts, started from its record in a real browser: the salesperson asks
for a change of an order from the customer's page and lands on the form of the first step."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from portal.crm.services.vehicles import order_create
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import deploy

pytestmark = pytest.mark.browser


@pytest.fixture
def order(people, stores):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "order_change.bpmn"))
    customer = CustomerFactory(name="Li Wei", home_store=stores[0], owner=people["sales"])
    car = VehicleFactory(store=stores[0], brand="BYD", model="Han")
    return order_create(by=people["sales"], customer_id=customer.pk, vehicle_id=car.pk, price=150000, deposit=5000)


def test_an_order_change_is_asked_for_from_the_customer_page_and_reaches_the_manager(browser, desk, live_server, order):
    page = sign_in(desk, live_server.url, "sales")
    page.goto(f"{live_server.url}/crm/customers/{order.customer_id}/")
    orders = page.locator("section", has=page.get_by_role("heading", name="Orders"))
    expect(orders).to_contain_text(f"#{order.pk}")
    screenshot(page, "customer-desk")
    orders.get_by_role("button", name="Request a change").click()

    expect(page.get_by_role("heading", name="Describe the change")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text(f"Change of order #{order.pk} started")
    page.get_by_label("Delivery date", exact=True).check()
    page.get_by_label("New delivery date").fill("2026-12-20")
    page.get_by_label("Why").fill("The customer is travelling")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#messages")).to_contain_text("waits in the Store manager queue")
    screenshot(page, "order-change-requested")

    manager = sign_in(desk.browser.new_context(), live_server.url, "manager")
    expect(manager.locator("#list-claimable")).to_contain_text("Approve the order change")
    manager.context.close()


def test_the_customer_page_with_orders_fits_a_phone(phone, live_server, order):
    page = sign_in(phone, live_server.url, "sales")
    page.goto(f"{live_server.url}/crm/customers/{order.customer_id}/")
    page.locator("#orders summary").click()  # on a phone the page's folds start closed
    expect(page.get_by_role("button", name="Request a change")).to_be_visible()
    screenshot(page, "customer-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
