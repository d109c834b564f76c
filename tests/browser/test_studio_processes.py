"""The processes pages and diagrams in a real browser, in Chinese: a salesperson sees their step on the
diagram of their task page (on a phone), and an admin compares two versions and rolls back (at a desk).
Screenshots: studio-processes, studio-process, studio-compare, studio-instance (desk) and
studio-task-diagram-phone in test-artifacts/screenshots/."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from engine import api
from engine.models import AuditEvent, Deployment
from portal.crm.models import Staff
from tests.browser.conftest import DESK, PHONE, new_context, screenshot, sign_in

pytestmark = pytest.mark.browser

LEAD_FOLLOWUP = settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _in_chinese(*users) -> None:
    Staff.objects.filter(user__in=users).update(language="zh-hans")


def _fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not ISO_STAMP.search(page.locator("main").inner_text())


def _diagram_ready(page: Page, name: str) -> None:
    expect(page.locator(f"#view-{name}")).to_have_attribute("data-state", "ready")


def test_a_salesperson_sees_their_step_highlighted_on_a_phone(browser, live_server, leads, people):
    _in_chinese(people["sales"])
    context = new_context(browser, PHONE, language="zh-hans")
    page = sign_in(context, live_server.url, "sales", language="zh-hans")
    page.goto(f"{live_server.url}/items/{leads['Li Wei']}/")
    details = page.locator("details.lf-item-diagram")
    expect(details).not_to_have_attribute("open", "")  # closed on a phone, out of the way
    details.locator("summary").click()
    _diagram_ready(page, "item")
    step = page.locator('#view-item .djs-element[data-element-id="Contact"]')
    expect(step).to_have_class(re.compile(r"\blf-waiting\b"))
    expect(page.locator("#view-item")).to_contain_text("联系潜客")  # the step's Chinese name
    _fits(page, PHONE["width"])
    screenshot(page, "studio-task-diagram-phone")
    context.close()


def test_an_admin_compares_two_versions_and_rolls_back(browser, live_server, leads, people):
    edited = LEAD_FOLLOWUP.read_text().replace('value="联系潜客"', 'value="致电潜客"')
    api.deploy_sources([api.Source("lead_followup.bpmn", edited)], user=people["admin"])
    _in_chinese(people["admin"])
    context = new_context(browser, DESK, language="zh-hans")
    page = sign_in(context, live_server.url, "admin", language="zh-hans")

    page.locator(".manage-menu summary").click()  # the studio sits under 管理 in the header
    page.get_by_role("link", name="流程", exact=True).first.click()
    expect(page.get_by_role("heading", name="流程", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("潜客跟进")
    _fits(page, DESK["width"])
    screenshot(page, "studio-processes")

    page.get_by_role("link", name="与上一版本比较").first.click()
    expect(page.get_by_role("heading", name=re.compile("比较版本"))).to_be_visible()
    _diagram_ready(page, "old")
    _diagram_ready(page, "new")
    changed = page.locator("table.lf-changes tr.lf-changed", has_text="致电潜客")
    expect(changed).to_contain_text("联系潜客")  # the old name beside the new one
    expect(page.locator('#view-new .djs-element[data-element-id="Contact"]')).to_have_class(
        re.compile(r"\blf-changed\b")
    )
    screenshot(page, "studio-compare")

    page.goto(f"{live_server.url}/studio/processes/lead_followup/v1/")
    _diagram_ready(page, "process")
    badge = page.locator("#view-process .lf-badge-waiting").first
    expect(badge).to_contain_text("3")  # the three prospects of the leads fixture wait at the first contact
    screenshot(page, "studio-process")
    page.get_by_label("原因（记入审计记录）").fill("新的称呼让销售困惑，先回到旧版")
    page.get_by_role("button", name="回滚到版本 1").click()
    expect(page.locator("#messages")).to_contain_text("版本 1 已作为版本 3 重新上线")
    expect(page.get_by_role("heading", name=re.compile("版本 3"))).to_be_visible()
    assert Deployment.objects.get(process_id="lead_followup", version=3).bpmn_xml == LEAD_FOLLOWUP.read_text()
    assert AuditEvent.objects.get(action="rolled_back").actor == people["admin"]

    page.goto(f"{live_server.url}/studio/processes/lead_followup/v1/")
    _diagram_ready(page, "process")
    page.locator('#view-process .lf-badge-waiting[href*="element=Contact&what"]').click()
    page.locator("table.lf-instances a").first.click()
    _diagram_ready(page, "instance")
    expect(page.locator(".lf-waiting-at")).to_contain_text("联系潜客")
    _fits(page, DESK["width"])
    screenshot(page, "studio-instance")
    context.close()


def test_a_store_manager_reads_the_processes_pages_on_a_phone(browser, live_server, leads, people):
    _in_chinese(people["manager"])
    context = new_context(browser, PHONE, language="zh-hans")
    page = sign_in(context, live_server.url, "manager", language="zh-hans")
    page.goto(f"{live_server.url}/studio/")
    expect(page.locator("main")).to_contain_text("潜客跟进")
    _fits(page, PHONE["width"])
    page.goto(f"{live_server.url}/studio/processes/lead_followup/v1/")
    _diagram_ready(page, "process")
    expect(page.get_by_role("button", name=re.compile("回滚"))).to_have_count(0)  # managers read, never roll back
    _fits(page, PHONE["width"])
    page.locator("table.lf-steps a").first.click()
    page.locator("table.lf-instances a").first.click()
    _diagram_ready(page, "instance")
    _fits(page, PHONE["width"])
    screenshot(page, "studio-instance-phone")
    context.close()
