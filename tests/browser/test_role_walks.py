"""Each role's part of a working day walked in a real browser, at desk and at phone width.

Finance collects a deposit and lands on the balance of the same order; the service desk books a service
from its day; a store manager approves an order change and filters the customers by store; hq reads the
customers of every store. Finance and the store manager read Chinese, service and hq English. Every page
is checked for a stored choice code, an ISO time stamp and a width beyond the phone's, and saved as
test-artifacts/screenshots/role-<role>-<desk|phone>-NN-<step>.png.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import Page, expect

from engine import api
from engine.models import ItemStatus, WorkItem
from portal.crm.models import MaintenancePlan, Order, Staff
from portal.crm.services.leads import lead_receive
from portal.crm.services.vehicles import order_create
from tests.browser.conftest import DESK, PHONE, new_context, screenshot, sign_in
from tests.browser.test_walk_in_chinese import CODES_ANYWHERE, CODES_IN_CHINESE, ISO_STAMP, _form_labels, _step_name
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import deploy, make_staff, only_item

pytestmark = pytest.mark.browser

WIDTHS = {"desk": DESK, "phone": PHONE}
# Codes of the choices these pages add to the salesperson's walk.
ROLE_CODES = [
    "wechat_pay",
    "loan_approved",
    "paid_in_full",
    "delivery_date",
    "after_delivery",
    "order_change",
    "lead_to_cash",
    "vehicle_transfer",
]
ROLE_CODES_IN_CHINESE = [*ROLE_CODES, "cash", "card", "transfer", "full", "loan", "commercial", "compulsory"]


def _t(language: str, message: str, context: str | None = None) -> str:
    with translation.override(language):
        return pgettext(context, message) if context else gettext(message)


class Walk:
    """One person's walk: checks every page and numbers its screenshots."""

    def __init__(self, page: Page, role: str, language: str, width: str) -> None:
        self.page, self.role, self.language, self.width, self.step = page, role, language, width, 0

    def looks_right(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.step += 1
        label = f"{self.role} {self.step:02d}-{name}"
        text = page.evaluate("document.body.innerText")
        stamp = ISO_STAMP.search(text)
        assert not stamp, f"{label}: an ISO time stamp shows: {stamp.group()}"
        if self.language == "zh-hans":
            codes = [*CODES_IN_CHINESE, *ROLE_CODES_IN_CHINESE]
        else:
            codes = [*CODES_ANYWHERE, *ROLE_CODES]
        shown = sorted({code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)})
        assert not shown, f"{label}: raw choice codes show: {shown}"
        screen = PHONE["width"] if self.width == "phone" else DESK["width"]
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= screen, f"{label}: the page is {scroll}px wide on a {screen}px screen"
        screenshot(page, f"role-{self.role}-{self.width}-{self.step:02d}-{name}")


def _named(user, family: str, given: str, language: str):
    user.last_name, user.first_name = family, given
    user.save(update_fields=["first_name", "last_name"])
    Staff.objects.filter(user=user).update(language=language)
    return user


def _walk(browser, live_server, width: str, username: str, role: str, language: str) -> Walk:
    context = new_context(browser, WIDTHS[width], language=language)
    return Walk(sign_in(context, live_server.url, username, language=language), role, language, width)


def _done(instance_id: int, element: str, user, **data) -> None:
    api.complete(only_item(instance_id, element).pk, user=user, data=data)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_finance_collects_the_deposit_and_lands_on_the_balance(browser, live_server, people, stores, width):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))
    sales = _named(people["sales"], "王", "芳", "zh-hans")
    _named(people["finance"], "钱", "敏", "zh-hans")
    customer = CustomerFactory(name="李伟", home_store=stores[0], owner=sales)
    car = VehicleFactory(store=stores[0], brand="丰田", model="凯美瑞", asking_price=150000)
    iid = lead_receive(name=customer.name, phone=customer.phones.get().number, channel="api").process_instance_id
    _done(iid, "FirstContact", sales, outcome="interested", notes="想要家用轿车")
    _done(
        iid,
        "Qualify",
        sales,
        intent_level="high",
        vehicle_type="sedan",
        budget_max=200000,
        needs="一家四口",
        next_step="quote",
    )
    delivery = (timezone.localdate() + timedelta(days=15)).isoformat()
    quote = {"vehicle_id": car.pk, "price": 148000, "payment_plan": "full", "deposit": 5000}
    _done(iid, "Quote", sales, **quote, delivery_date=delivery, decision="order")
    deposit = _form_labels("l2c_deposit.json", "zh-hans")
    collect, balance = (_step_name("lead_to_cash", e, "zh-hans") for e in ("RecordDeposit", "Balance"))

    walk = _walk(browser, live_server, width, "finance", "finance", "zh-hans")
    page = walk.page
    row = page.locator("#inbox-lists tr", has_text="李伟")
    expect(row).to_contain_text(collect)
    walk.looks_right("inbox")

    row.locator("td.step a").click()
    expect(page.get_by_role("heading", name=collect)).to_be_visible()
    expect(page.locator(".instructions strong").first).to_have_text("李伟")
    expect(page.get_by_text(deposit["title"], exact=True).first).to_be_visible()
    walk.looks_right("deposit")

    method = deposit["fields"]["deposit_method"]
    page.get_by_label(method["title"]).select_option(label=method["choices"]["wechat_pay"])
    walk.looks_right("deposit-filled")
    page.get_by_role("button", name=_t("zh-hans", "Submit"), exact=True).click()

    # The balance continues to whoever took the deposit: its page opens, not the inbox.
    expect(page.get_by_role("heading", name=balance)).to_be_visible()
    expect(page.locator("#messages")).to_contain_text(collect)
    expect(page.locator(".instructions strong").first).to_have_text("李伟")
    walk.looks_right("balance")
    page.context.close()
    assert Order.objects.get(vehicle=car).status == "open"
    assert only_item(iid, "Balance").assignee == people["finance"]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_service_desk_books_a_service_from_its_day(browser, live_server, people, stores, width):
    service = _named(make_staff("service", stores[0], ["service"]), "Zhou", "Jun", "en")
    customer = CustomerFactory(name="Sun Mei", home_store=stores[0], stage="customer", owner=people["sales"])
    car = VehicleFactory(store=stores[0], customer=customer, status="sold", plate="沪A·S0001", model="Corolla")
    due = timezone.localdate() + timedelta(days=12)
    MaintenancePlan.objects.create(vehicle=car, next_service_date=due, next_service_mileage=50000)

    walk = _walk(browser, live_server, width, service.username, "service", "en")
    page = walk.page
    page.goto(f"{live_server.url}/crm/service-day/")
    expect(page.get_by_role("heading", name="Service day", exact=True)).to_be_visible()
    maintenance = page.locator("#maintenance")
    expect(maintenance.get_by_role("heading", name=re.compile("Maintenance due"))).to_be_visible()
    line = maintenance.locator("tbody tr", has_text="Sun Mei")
    expect(line).to_contain_text("沪A·S0001")
    expect(line).to_contain_text("50,000 km")
    walk.looks_right("service-day")

    line.get_by_role("button", name="Book the service").click()
    expect(page).to_have_url(f"{live_server.url}/crm/service-day/")
    expect(page.locator("#messages")).to_contain_text("Appointment booked.")
    walk.looks_right("service-booked")
    page.context.close()
    booked = customer.appointments.get()
    assert (booked.kind, booked.vehicle_id, timezone.localtime(booked.at).date()) == ("service", car.pk, due)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_store_manager_approves_an_order_change_and_filters_the_customers_by_store(
    browser, live_server, people, stores, width
):
    api.deploy_paths([settings.LOTFLOW["PROCESS_DIR"] / "order_change.bpmn"])
    sales = _named(people["sales"], "王", "芳", "zh-hans")
    _named(people["manager"], "张", "强", "zh-hans")
    customer = CustomerFactory(name="李伟", home_store=stores[0], owner=sales)
    CustomerFactory(name="刘洋", home_store=stores[1], owner=people["other_sales"])
    order = order_create(by=sales, customer_id=customer.pk, vehicle_id=VehicleFactory(store=stores[0]).pk, price=150000)
    iid = api.start(
        "order_change",
        business_key=f"order:{order.pk}",
        user=sales,
        data={"store_id": order.store_id, "order_id": order.pk},
    ).instance_id
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    _done(iid, "RequestChange", sales, change_kind="delivery_date", new_delivery_date=day, change_reason="客户出差")
    item = only_item(iid, "ManagerApproval")
    zh = "zh-hans"

    walk = _walk(browser, live_server, width, "manager", "manager", zh)
    page = walk.page
    page.goto(f"{live_server.url}/crm/approvals/")
    expect(page.get_by_role("heading", name=_t(zh, "Approvals"), exact=True)).to_be_visible()
    approval = page.locator("article.approval", has_text="李伟")
    expect(approval).to_contain_text("交车日期")
    expect(approval).to_contain_text("客户出差")
    expect(approval).to_contain_text("¥150,000")
    walk.looks_right("approvals")

    approval.get_by_role("button", name=_t(zh, "Approve", "approval decision"), exact=True).click()
    expect(page.locator("#messages")).to_contain_text(
        _t(zh, "%(subject)s: approved.") % {"subject": item.subject_label}
    )
    expect(page.get_by_text(_t(zh, "Nothing waits for your approval."))).to_be_visible()
    walk.looks_right("approved")
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.DONE
    order.refresh_from_db()
    assert timezone.localtime(order.delivery_at).date().isoformat() == day

    page.goto(f"{live_server.url}/crm/customers/")
    expect(page.get_by_role("heading", name=_t(zh, "Customers"), exact=True)).to_be_visible()
    page.get_by_text(_t(zh, "Advanced filter"), exact=True).click()
    page.get_by_label(re.compile(rf"^{_t(zh, 'Store')}\W*$")).select_option(label=stores[0].name)
    walk.looks_right("customer-filter")
    page.get_by_role("button", name=_t(zh, "Search"), exact=True).click()
    expect(page).to_have_url(re.compile(rf"store={stores[0].pk}"))
    expect(page.locator("main")).to_contain_text("李伟")
    expect(page.locator("main")).not_to_contain_text("刘洋")
    walk.looks_right("customers-of-the-store")
    page.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_hq_reads_the_customers_of_every_store_and_of_one(browser, live_server, people, stores, width):
    _named(people["hq"], "Wu", "Lan", "en")
    CustomerFactory(name="Li Wei", home_store=stores[0], owner=people["sales"], source="social_media")
    CustomerFactory(name="Liu Yang", home_store=stores[1], owner=people["other_sales"], intent_level="high")

    walk = _walk(browser, live_server, width, "hq", "hq", "en")
    page = walk.page
    page.goto(f"{live_server.url}/crm/customers/")
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("Li Wei")
    expect(main).to_contain_text("Liu Yang")
    walk.looks_right("customers")

    page.get_by_text("Advanced filter", exact=True).click()
    page.get_by_label(re.compile(r"^Store\W*$")).select_option(label=stores[1].name)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(main).to_contain_text("Liu Yang")
    expect(main).not_to_contain_text("Li Wei")
    walk.looks_right("customers-of-westlake")
    page.context.close()
