"""The reports in a real browser: a store manager opens last month's funnel and downloads it, hq compares two
stores, a salesperson reads only their own scorecard; every report at desk and phone width, in Chinese and
English, saved as test-artifacts/screenshots/reports-<who>-<width>-<report>.png."""

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from portal.crm.models import Communication, Staff
from portal.reports import lists, measures
from portal.reports.window import add_months, month_start, today, zone
from tests.browser.conftest import DESK, PHONE, new_context, screenshot, sign_in
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory
from tests.helpers import make_staff

pytestmark = pytest.mark.browser

WIDTHS = {"desk": DESK, "phone": PHONE}
REPORTS = [*measures.REPORTS, *lists.LISTS]  # every report and record list there is


def _t(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


@pytest.fixture
def last_month(people, stores):
    """Two stores' last month: 上海浦东店 3 prospects and 2 deals, 杭州西湖店 1 prospect and 1 deal."""
    pudong, westlake = stores
    start = add_months(month_start(today()), -1)
    moment = datetime.combine(start + timedelta(days=9), time(10), tzinfo=zone())
    for store, seller, prospects, deals in ((pudong, people["sales"], 3, 2), (westlake, people["other_sales"], 1, 1)):
        buyers = [CustomerFactory(home_store=store, owner=seller, created_at=moment) for _ in range(prospects)]
        for buyer in buyers:
            Communication.objects.create(
                customer=buyer, author=seller, channel="phone", at=moment, content="call", outcome="interested"
            )
        for buyer in buyers[:deals]:
            car = VehicleFactory(store=store, status="reserved")
            OrderFactory(store=store, salesperson=seller, customer=buyer, vehicle=car, created_at=moment, price=150_000)
    return start


def _fits(page: Page, width: str, name: str) -> None:
    page.wait_for_load_state("load")
    screen = WIDTHS[width]["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= screen, f"{name}: the page is {scroll}px wide on a {screen}px screen"
    screenshot(page, name)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_store_manager_opens_last_months_funnel_and_downloads_it(browser, live_server, people, last_month, width):
    Staff.objects.filter(user=people["manager"]).update(language="zh-hans")
    context = new_context(browser, WIDTHS[width], language="zh-hans")
    page = sign_in(context, live_server.url, "manager", language="zh-hans")
    if width == "phone":
        page.goto(f"{live_server.url}/reports/")
    else:
        page.get_by_role("link", name="报表").click()
    expect(page.get_by_role("heading", name="看板")).to_be_visible()
    _fits(page, width, f"reports-manager-{width}-dashboard")
    page.get_by_role("link", name="销售漏斗").first.click()
    page.get_by_label("从").fill(last_month.isoformat())
    page.get_by_label("到").fill((add_months(last_month, 1) - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="查看").click()
    row = page.locator("table.report tr", has_text="上海浦东店")
    expect(row).to_contain_text("¥300,000")
    expect(page.locator("table.report tr", has_text="杭州西湖店")).to_have_count(0)
    expect(page.locator("canvas").first).to_be_visible()
    _fits(page, width, f"reports-manager-{width}-funnel-last-month")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "上海浦东店,3,3,0,2,300000" in text
    context.close()


def test_hq_compares_two_stores(browser, live_server, people, stores, last_month):
    context = new_context(browser, DESK)
    page = sign_in(context, live_server.url, "hq")
    end = add_months(last_month, 1) - timedelta(days=1)
    page.goto(f"{live_server.url}/reports/funnel/?start={last_month.isoformat()}&end={end.isoformat()}&by=store")
    pudong = page.locator("table.report tr", has_text="上海浦东店")
    westlake = page.locator("table.report tr", has_text="杭州西湖店")
    expect(pudong).to_contain_text("¥300,000")
    expect(westlake).to_contain_text("¥150,000")
    _fits(page, "desk", "reports-hq-desk-two-stores")
    # One store at a time, through the filter.
    page.get_by_label(_t("en", "Store"), exact=True).select_option(label="杭州西湖店")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.report tr", has_text="杭州西湖店")).to_be_visible()
    expect(page.locator("table.report tr", has_text="上海浦东店")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_salesperson_sees_only_their_own_scorecard(browser, live_server, people, last_month, width):
    context = new_context(browser, WIDTHS[width])
    page = sign_in(context, live_server.url, "sales")
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", name="My scorecard")).to_be_visible()
    _fits(page, width, f"reports-sales-{width}-own-scorecard")
    other = people["sales2"]
    response = page.goto(f"{live_server.url}/reports/scorecard/{other.pk}/")
    assert response is not None and response.status == 404
    response = page.goto(f"{live_server.url}/reports/funnel/")
    assert response is not None and response.status == 404
    context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_report_reads_well_at_desk_and_phone_width(browser, live_server, people, stores, last_month, width):
    make_staff("hq_zh", None, [("hq", True)])
    Staff.objects.filter(user__username="hq_zh").update(language="zh-hans")
    context = new_context(browser, WIDTHS[width], language="zh-hans")
    page = sign_in(context, live_server.url, "hq_zh", language="zh-hans")
    end = add_months(last_month, 1) - timedelta(days=1)
    for name in REPORTS:
        page.goto(f"{live_server.url}/reports/{name}/?start={last_month.isoformat()}&end={end.isoformat()}")
        expect(page.locator("h1")).to_be_visible()
        if page.locator(".chart").count():  # a table with nothing in the range draws no chart
            expect(page.locator(".chart canvas").first).to_be_visible()
        _fits(page, width, f"reports-hq-{width}-{name}")
    context.close()
