"""A salesperson's day in a real browser, on a desk and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from engine.models import ItemStatus, WorkItem
from tests.browser.conftest import PHONE, new_context, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_salesperson_claims_corrects_and_submits_and_the_next_task_reaches_the_right_person(
    browser, desk, live_server, leads, people
):
    page = sign_in(desk, live_server.url, "sales")
    claimable = page.locator("#list-claimable")
    expect(claimable).to_contain_text("Li Wei")
    expect(page.locator(".notice-list")).to_contain_text("New price list from Monday")
    expect(page.locator("#list-mine tr.overdue")).to_contain_text("Send the brochure")

    claimable.get_by_role("button", name="Claim Contact the prospect for Li Wei").click()
    mine = page.locator("#list-mine")
    expect(mine).to_contain_text("Li Wei")  # moved by htmx, without reloading the page
    expect(page.locator("#nav-counts")).to_have_attribute("aria-label", re.compile("2 mine, 2 claimable"))
    screenshot(page, "inbox-desk")

    mine.locator("tr", has_text="Li Wei").get_by_role("link", name="Contact the prospect").click()
    expect(page.get_by_role("heading", name="Contact the prospect")).to_be_visible()
    expect(page.locator(".instructions strong")).to_have_text("Li Wei")
    page.get_by_label("Notes").fill("Looking for a family SUV")
    page.get_by_role("button", name="Submit").click()

    error = page.locator("#f-outcome-error")
    expect(error).to_have_text("this field is required")
    expect(page.locator("#f-outcome + small")).to_have_text("this field is required")  # right after the field
    expect(page.get_by_label("Notes")).to_have_value("Looking for a family SUV")
    screenshot(page, "task-desk")

    page.get_by_label("Interested", exact=True).check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#messages")).to_contain_text("Next: Book a test drive is in your list.")
    # The booking is the same salesperson's next step: its page opens, not the inbox.
    expect(page.get_by_role("heading", name="Book a test drive")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("Done: “Contact the prospect” (Li Wei).")

    colleague = sign_in(new_context(browser, {"width": 1280, "height": 800}), live_server.url, "sales2")
    expect(colleague.locator("#inbox-lists")).not_to_contain_text("Book a test drive")
    booking_id = WorkItem.objects.get(status=ItemStatus.OPEN, element_id="BookTestDrive").pk
    response = colleague.goto(f"{live_server.url}/items/{booking_id}/")
    assert response.status == 404
    expect(colleague.get_by_role("heading", name="Not found")).to_be_visible()
    colleague.context.close()


def test_inbox_and_task_pages_fit_a_phone(phone, live_server, leads):
    page = sign_in(phone, live_server.url, "sales")
    expect(page.locator("#list-claimable")).to_contain_text("Zhang Min")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "inbox-phone")

    # The row links the step (and its subject, the customer): open the step.
    page.locator("#list-claimable tr", has_text="Zhang Min").locator("td.step a").click()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#f-outcome-error")).to_have_text("this field is required")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "task-phone")

    page.get_by_label("Unreachable").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#messages")).to_contain_text("Done: “Contact the prospect” (Zhang Min).")
