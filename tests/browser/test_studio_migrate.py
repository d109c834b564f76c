"""The studio's operations pages in a real browser: an admin migrates waiting instances after a
dry run, and retries a failed automatic step with a reason."""

import pytest
from playwright.sync_api import expect

import tests.engine.services  # noqa: F401 - registers the test services
from engine import api
from engine.models import AuditEvent, Incident, IncidentStatus
from tests.browser.conftest import PHONE, new_context, screenshot, sign_in
from tests.engine.services import UNAVAILABLE
from tests.helpers import deploy

pytestmark = pytest.mark.browser
VIN = "LSVAU2180N2183294"


@pytest.fixture
def discounts(people, stores):
    deploy("exclusive_gateway.bpmn")
    waiting = [
        api.start("discount_approval", business_key=f"disc-{amount}", data={"store_id": stores[0].pk, "amount": amount})
        for amount in (10_000, 12_000, 100)
    ]
    deploy("discount_approval_v2.bpmn")
    return [w.instance_id for w in waiting]


def test_an_admin_migrates_waiting_instances_after_a_dry_run(desk, live_server, discounts):
    page = sign_in(desk, live_server.url, "admin")
    page.goto(f"{live_server.url}/studio/migrate/")
    page.get_by_label("Process").select_option(label="Discount approval")
    page.get_by_label("From version").select_option(label="version 1")
    page.get_by_label("To version").select_option(label="version 2")
    page.get_by_role("button", name="Dry run").click()

    table = page.locator("table.verdicts")
    expect(table).to_contain_text("Can move")
    expect(table).to_contain_text("which the target version lacks")
    expect(page.get_by_text("2 of 3 running instances can move.")).to_be_visible()
    assert [api.instance_detail(i)["version"] for i in discounts] == [1, 1, 1]
    screenshot(page, "studio-migrate-dry-run-desk")

    page.get_by_label("Reason").fill("每个折扣都由店长审批")
    page.get_by_role("button", name="Move the 2 instances that can").click()
    expect(page.get_by_role("heading", name="Migration result")).to_be_visible()
    expect(page.locator("table.verdicts")).to_contain_text("Moved")
    expect(page.locator("table.verdicts")).to_contain_text("Refused, left as it was")
    screenshot(page, "studio-migrate-result-desk")
    assert [api.instance_detail(i)["version"] for i in discounts] == [2, 2, 1]

    page.go_back()  # the dry run again: only the refused instance is left on version 1
    expect(page.get_by_text("0 of 1 running instance can move.")).to_be_visible()
    expect(page.get_by_role("button", name="Move the 0 instances that can")).to_have_count(0)
    assert AuditEvent.objects.filter(action="migrated").count() == 2


@pytest.fixture
def failed(people, stores):
    UNAVAILABLE.add(VIN)
    deploy("vehicle_hold.bpmn")
    instance = api.start("vehicle_hold", data={"store_id": stores[0].pk, "vin": VIN}).instance_id
    yield Incident.objects.get(instance_id=instance)
    UNAVAILABLE.discard(VIN)


def test_an_admin_retries_an_incident_with_a_reason(desk, live_server, failed):
    page = sign_in(desk, live_server.url, "admin")
    page.goto(f"{live_server.url}/studio/incidents/")
    card = page.locator("article.incident")
    expect(card).to_contain_text("stock system refused vehicle")
    screenshot(page, "studio-incidents-desk")

    UNAVAILABLE.discard(VIN)  # the stock system is back
    card.get_by_role("checkbox").check()
    page.get_by_role("button", name="Retry the ticked").click()  # no reason yet: the form asks for one
    expect(page.get_by_label("Reason")).to_be_focused()
    assert Incident.objects.get(pk=failed.pk).status != IncidentStatus.RESOLVED

    page.get_by_label("Reason").fill("库存系统已恢复")
    page.get_by_role("button", name="Retry the ticked").click()
    expect(page.locator("#messages")).to_contain_text("the step ran again and succeeded")
    expect(page.get_by_text("No open incidents.")).to_be_visible()
    assert Incident.objects.get(pk=failed.pk).status == IncidentStatus.RESOLVED
    assert AuditEvent.objects.get(action="incident_retried").data["reason"] == "库存系统已恢复"


def test_the_incidents_page_fits_a_phone(phone, live_server, failed):
    page = sign_in(phone, live_server.url, "admin")
    page.goto(f"{live_server.url}/studio/incidents/")
    expect(page.get_by_role("button", name="Retry the ticked")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "studio-incidents-phone")


def test_the_dry_run_reads_in_chinese_on_a_phone(browser, live_server, discounts, people):
    people["admin"].staff.language = "zh-hans"
    people["admin"].staff.save(update_fields=["language"])
    context = new_context(browser, PHONE, "zh-hans")
    page = sign_in(context, live_server.url, "admin", "zh-hans")
    page.goto(f"{live_server.url}/studio/migrate/?process=discount_approval&source=1&target=2")
    expect(page.get_by_role("heading", name="迁移流程实例")).to_be_visible()
    expect(page.locator("table.verdicts")).to_contain_text("可以迁移")
    expect(page.locator("table.verdicts")).to_contain_text("目标版本没有这一步")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "studio-migrate-dry-run-phone-zh")
    context.close()
