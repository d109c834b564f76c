"""A prospect's customer page on a desk fits within two screens (1280x800: at most 1,600 px tall), with its
sections folded when empty or long; on a phone the same page is a short list of folds under the quick
actions. The heights are printed (``-s``) and the pages saved as test-artifacts/screenshots/customer-page-*."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from engine import api
from portal.crm.models import Tag
from portal.crm.services.contacts import appointment_book, communication_record, follow_up_plan_create
from tests.browser.conftest import DESK, PHONE, new_context, screenshot, sign_in
from tests.crm.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.browser

TWO_SCREENS = 2 * DESK["height"]


@pytest.fixture
def prospect(people, stores):
    """A working prospect: eight calls logged, two follow-ups, a test drive booked, six SUVs that fit."""
    sales = people["sales"]
    sales.last_name, sales.first_name = "王", "芳"
    sales.save(update_fields=["first_name", "last_name"])
    customer = CustomerFactory(
        name="刘超娟",
        home_store=stores[0],
        owner=sales,
        source="walk_in",
        intent_level="high",
        vehicle_type="suv",
        brands="丰田",
        budget_min=150000,
        budget_max=220000,
        use="personal",
        address="上海市浦东新区张杨路 500 号",
    )
    customer.tags.add(Tag.objects.create(name="vip"))
    cars = [
        VehicleFactory(store=stores[0], model=model, vehicle_type="suv", asking_price=160000 + 8000 * n)
        for n, model in enumerate(["RAV4", "RAV4", "Highlander", "Corolla Cross", "RAV4", "Highlander"])
    ]
    notes = ["到店看了RAV4，想要家用SUV。", "电话确认周末来店。", "发了报价单。", "客户在比较两家店。"]
    for n in range(8):
        communication_record(
            customer_id=customer.pk,
            by=sales,
            channel="phone",
            content=notes[n % len(notes)],
            outcome="follow_up",
            at=api.now() - timedelta(days=8 - n),
        )
    for days in (1, 4):
        follow_up_plan_create(
            customer_id=customer.pk,
            by=sales,
            due_at=api.now() + timedelta(days=days),
            method="phone",
            purpose="确认试驾时间",
        )
    appointment_book(
        customer_id=customer.pk, by=sales, kind="test_drive", at=api.now() + timedelta(days=3), vehicle_id=cars[0].pk
    )
    return customer


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_prospects_page_fits_two_desk_screens_and_folds_on_a_phone(browser, live_server, people, prospect, language):
    people["sales"].staff.language = language
    people["sales"].staff.save(update_fields=["language"])
    heights = {}
    for width, viewport in (("desk", DESK), ("phone", PHONE)):
        context = new_context(browser, viewport, language=language)
        try:
            page = sign_in(context, live_server.url, "sales", language=language)
            page.goto(f"{live_server.url}/crm/customers/{prospect.pk}/")
            expect(page.get_by_role("heading", level=1)).to_contain_text("刘超娟")
            heights[width] = page.evaluate("document.documentElement.scrollHeight")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            screenshot(page, f"customer-page-{language}-{width}")
            if width == "desk":
                # What a salesperson needs first is on the first screen: who, how to reach, the quick actions.
                first_screen = page.evaluate(
                    "document.querySelector('nav.quick-actions').getBoundingClientRect().bottom"
                )
                assert first_screen < DESK["height"], first_screen
                # Long and empty sections start folded: the eight contacts show their latest three.
                assert page.locator("#communications tbody tr").count() == 3
                assert not page.locator("#stock details").evaluate("fold => fold.open")
            else:
                assert page.evaluate("document.querySelectorAll('details.section[open]').length") == 0
                page.goto(f"{live_server.url}/crm/customers/{prospect.pk}/?open=log#log")
                assert page.locator("#log details").evaluate("fold => fold.open")
        finally:
            context.close()
    print(f"\ncustomer page height ({language}): desk {heights['desk']} px, phone {heights['phone']} px")
    assert heights["desk"] <= TWO_SCREENS, f"the desk page is {heights['desk']} px tall (goal: {TWO_SCREENS})"


@pytest.mark.parametrize(("language", "written"), [("zh-hans", "2026年12月5日周六"), ("en", "Sat 5 Dec 2026")])
def test_a_date_fields_hint_names_the_chosen_day_in_the_readers_language(
    browser, live_server, people, prospect, language, written
):
    """The picker writes the date the browser's way; the hint under it says which day that is."""
    people["sales"].staff.language = language
    people["sales"].staff.save(update_fields=["language"])
    context = new_context(browser, DESK, language=language)
    try:
        page = sign_in(context, live_server.url, "sales", language=language)
        page.goto(f"{live_server.url}/crm/customers/?consulted_from=2026-12-05")
        hint = page.locator("#id_consulted_from-hint")
        expect(hint).to_have_text(written)
        page.locator("#id_consulted_from").fill("")
        expect(hint).not_to_have_text(written)
    finally:
        context.close()
