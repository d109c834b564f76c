"""The rule studio in a real browser (issue 20): an admin shortens the reclaim period of pool_reclaim
from 30 to 20 days and the next sweep reclaims a prospect silent for 21 days; a mistake is marked at
its line while typing; a rollback brings the 30 days back. Screenshots at desk width, in English and
in Chinese."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.crm.automation.reclaim import sweep_reclaim
from portal.crm.models import Customer, Staff
from tests.browser.conftest import DESK, PHONE, new_context, screenshot, sign_in
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def silent(people, stores):
    """Two prospects of the same salesperson: one silent for 21 days, one for 31."""

    def prospect(name: str, days: int) -> Customer:
        return CustomerFactory(
            name=name,
            home_store=stores[0],
            owner=people["sales"],
            last_contact_at=timezone.now() - timedelta(days=days),
        )

    return {"21": prospect("Wang Fang", 21), "31": prospect("Zhao Lei", 31)}


def owner(customer: Customer) -> str | None:
    return Customer.objects.values_list("owner__username", flat=True).get(pk=customer.pk)


def editor(page: Page, base_url: str) -> Page:
    page.goto(f"{base_url}/studio/rules/pool_reclaim/")
    expect(page.locator("#rule-editor .cm-content")).to_be_visible()
    return page


def retype(page: Page, line: str, old: str, new: str) -> None:
    """Put the cursor at the end of the editor line that reads ``line`` and replace ``old`` there by ``new``."""
    page.locator("#rule-editor .cm-line", has_text=line).click()
    page.keyboard.press("End")
    for _ in old:
        page.keyboard.press("Backspace")
    page.keyboard.type(new)


def test_an_admin_shortens_the_reclaim_period_and_rolls_it_back(browser, desk, live_server, people, silent):
    sweep_reclaim()  # last night's sweep: records what it saw, and takes back the prospect silent for 31 days
    assert (owner(silent["21"]), owner(silent["31"])) == ("sales", None)
    page = editor(sign_in(desk, live_server.url, "admin"), live_server.url)
    expect(page.locator("#rule-check")).to_contain_text("No problems found.")  # checked as soon as it opens
    screenshot(page, "rule-studio-editor-desk-en")

    # A mistake is marked at its line before anything is saved.
    retype(page, "set reclaim_after_days = 30", "30", "20x")
    expect(page.locator("#rule-check")).to_contain_text("Line 14: write `set name = value`")
    expect(page.locator("#rule-editor .cm-lintRange-error")).to_be_visible()
    expect(page.locator("#rule-editor .cm-lint-marker-error")).to_have_count(1)
    screenshot(page, "rule-studio-mistake-desk-en")
    page.keyboard.press("Backspace")
    expect(page.locator("#rule-check")).to_contain_text("No problems found.")

    # 20 days: the only number the admin changes (the sweep follows the shortest period of the file).
    expect(page.locator("#rule-check")).to_contain_text("No problems found.")

    # Replay the last 30 days: the prospect silent for 21 days would have gone back to the pool.
    page.get_by_role("button", name="Replay last 30 days").click()
    replay = page.locator("#rule-replay-result")
    expect(replay).to_contain_text("1 decision changes")
    expect(replay.locator("tr", has_text="Wang Fang")).to_be_visible()
    screenshot(page, "rule-studio-replay-desk-en")

    # Try it first: a prospect silent for 21 days would go back to the pool.
    facts = page.locator("#rule-facts")
    facts.fill('{"stage": "prospect", "owner": "sales", "intent_level": "low", "tags": [], "days_without_contact": 21}')
    page.get_by_role("button", name="Try the typed fact").click()
    result = page.locator("#rule-dryrun-result")
    expect(result).to_contain_text("return_to_pool")
    expect(result.locator("tr.acted")).to_contain_text("reclaim")
    expect(result).to_contain_text("days_without_contact >= reclaim_after_days (20)")
    screenshot(page, "rule-studio-dry-run-desk-en")
    assert owner(silent["21"]) == "sales"  # a dry run changes nothing

    # Save: the example case "26 days: warned" now reclaims, which blocks the save until the admin agrees.
    page.get_by_label("What is this change for?").fill("Prospects go back to the pool after 20 days")
    page.get_by_role("button", name="Save as a new version").click()
    cases = page.locator(".rule-cases")
    expect(cases).to_contain_text("silent for 26 days: the owner is warned")
    screenshot(page, "rule-studio-failing-case-desk-en")
    cases.get_by_label("expect this from now on").check()
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#messages")).to_contain_text("Version 1 of pool_reclaim is in force.")
    expect(page.locator("h1")).to_contain_text("version 1 in force")

    sweep_reclaim()
    assert (owner(silent["21"]), owner(silent["31"])) == (None, None)

    # Roll back to the shipped file: 30 days again.
    Customer.objects.filter(pk=silent["21"].pk).update(owner=people["sales"])
    page.get_by_role("link", name="History and rollback").click()
    expect(page.locator("#v1")).to_contain_text("In force")
    expect(page.locator("#v1 .rule-diff .add")).to_contain_text(["set reclaim_after_days = 20"])
    screenshot(page, "rule-studio-history-desk-en")
    shipped = page.locator("#v0")
    shipped.get_by_label("Why roll back?").fill("Back to 30 days after the trial")
    shipped.get_by_role("button", name="Put the shipped file in force again").click()
    expect(page.locator("#messages")).to_contain_text("as version 2")
    expect(page.locator("#v2")).to_contain_text("Back to 30 days after the trial")

    sweep_reclaim()
    assert owner(silent["21"]) == "sales"


def test_the_rule_studio_in_chinese(browser, live_server, people, silent):
    Staff.objects.filter(user=people["admin"]).update(language="zh-hans")
    context = new_context(browser, DESK, language="zh-hans")
    page = sign_in(context, live_server.url, "admin", language="zh-hans")
    page.goto(f"{live_server.url}/studio/rules/")
    expect(page.locator("h1")).to_have_text("规则集")
    expect(page.locator("table")).to_contain_text("销售顾问一直没有联系记录的潜客收回公海")
    screenshot(page, "rule-studio-list-desk-zh")
    editor(page, live_server.url)
    retype(page, "set reclaim_after_days = 30", "30", "20x")
    expect(page.locator("#rule-check")).to_contain_text("第 14 行: 请写成 `set 名称 = 值`")
    screenshot(page, "rule-studio-mistake-desk-zh")
    page.keyboard.press("Backspace")
    expect(page.locator("#rule-check")).to_contain_text("没有发现问题")
    page.locator("#rule-facts").fill('{"stage": "prospect", "owner": "sales", "tags": [], "days_without_contact": 21}')
    page.locator("#rule-try-facts").click()
    expect(page.locator("#rule-dryrun-result")).to_contain_text("reason=30 天未联系")
    expect(page.locator("#rule-dryrun-result tr.acted")).to_contain_text("30 天没有联系记录")
    screenshot(page, "rule-studio-dry-run-desk-zh")
    page.get_by_role("link", name="历史与回滚").click()
    expect(page.locator("#v0")).to_contain_text("出厂版本")
    screenshot(page, "rule-studio-history-desk-zh")
    context.close()


def accept(page: Page) -> None:
    """Take the selected completion; CodeMirror ignores Enter for 75 ms after the list changes
    (its interactionDelay, so that a fast typist does not take an option by accident)."""
    expect(page.locator(".cm-tooltip-autocomplete li[aria-selected]")).to_be_visible()
    page.wait_for_timeout(150)
    page.keyboard.press("Enter")


def test_the_editor_completes_fields_actions_and_set_names(desk, live_server, people):
    page = editor(sign_in(desk, live_server.url, "admin"), live_server.url)
    page.locator("#rule-editor .cm-content").click()
    page.keyboard.press("Control+End")  # the end of the file (lines out of view are not drawn)
    page.keyboard.type("\n\nrule quiet\n  when days_wi")
    options = page.locator(".cm-tooltip-autocomplete")
    expect(options).to_contain_text("days_without_contact")
    accept(page)
    page.keyboard.type(" >= vip_r")
    expect(options).to_contain_text("vip_reclaim_after_days")
    accept(page)
    page.keyboard.type("\nthen warn")  # the new line keeps the indentation of the one before
    expect(options).to_contain_text("warn_owner")
    expect(options).not_to_contain_text("route_to")  # an action of leads, not of prospects
    accept(page)
    page.keyboard.type(" da")
    expect(options).to_contain_text("days_left")
    accept(page)
    page.keyboard.type("3")
    expect(page.locator("#rule-check")).to_contain_text("No problems found.")
    screenshot(page, "rule-studio-completion-desk-en")
    text = page.locator("#rule-text").input_value()
    assert text.endswith(
        "rule quiet\n  when days_without_contact >= vip_reclaim_after_days\n  then warn_owner days_left=3"
    )


def test_the_rule_pages_fit_a_phone(phone, live_server, people):
    page = sign_in(phone, live_server.url, "hq")
    for path in ("", "pool_reclaim/", "pool_reclaim/history/"):
        page.goto(f"{live_server.url}/studio/rules/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    expect(page.locator("form.rollback")).to_have_count(0)  # hq reads, never rolls back
    page.goto(f"{live_server.url}/studio/rules/pool_reclaim/")
    expect(page.locator("#rule-editor .cm-content")).to_have_attribute("contenteditable", "false")
    screenshot(page, "rule-studio-editor-phone-en")
