"""The studio's modeler in a real browser: an admin adds a step with a form through the panel and deploys
it; a drawing with an error is refused on its element while the live version keeps serving; a Camunda
Modeler file opens and saves with its camunda:* attributes; at phone width the diagram is read only."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from engine import api
from engine.models import Deployment, ItemStatus, ProcessInstance, WorkItem
from portal.crm.models import Staff
from portal.crm.services.leads import lead_receive
from tests.browser.conftest import DESK, PHONE, new_context, screenshot, sign_in
from tests.crm.factories import CustomerFactory
from tests.helpers import deploy, make_staff

pytestmark = pytest.mark.browser

MODELER = "/studio/processes/lead_to_cash/v1/modeler/"


@pytest.fixture
def lead_to_cash(people):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"), user=people["admin"])


def _open(page: Page, base_url: str, path: str = MODELER) -> None:
    page.goto(base_url + path)
    expect(page.locator('[data-element-id="LeadReceived"]').first).to_be_visible()


def _new_lead(stores, people) -> int:
    customer = CustomerFactory(name="Li Wei", home_store=stores[0], owner=people["sales"])
    return lead_receive(name=customer.name, phone=customer.phones.get().number, channel="api").process_instance_id


def _unfold(page: Page, item_id: str) -> None:
    """Open a form field's entry in the panel (a new one usually opens by itself)."""
    item = page.locator(f'[data-entry-id="{item_id}"]')
    expect(item).to_have_count(1)
    if not page.locator(f"#bio-properties-panel-{item_id}-name").is_visible():
        item.locator(".bio-properties-panel-collapsible-entry-header").first.click()


def _fill(page: Page, entry_id: str, value: str) -> None:
    field = page.locator(f"#bio-properties-panel-{entry_id}")
    field.fill(value)
    field.press("Tab")


def test_an_admin_adds_a_step_with_a_form_and_a_salesperson_gets_it(
    browser, desk, live_server, lead_to_cash, people, stores
):
    page = sign_in(desk, live_server.url, "admin")
    _open(page, live_server.url)
    page.locator('.djs-element[data-element-id="LeadReceived"]').click()
    page.locator('.djs-context-pad [data-action="append.append-task"]').click()
    page.keyboard.press("Escape")  # leave the label editor; the name is set in the panel
    page.locator('.djs-context-pad [data-action="replace"]').click()
    page.locator('[data-id="replace-with-user-task"]').dispatch_event("click")  # the menu may open past the edge
    _fill(page, "name", "Confirm the phone number")
    group = page.locator('[data-group-id="group-lotflow-fields"]')
    group.locator(".bio-properties-panel-add-entry").click()
    _fill(page, "lf-field-0-name", "phone_ok")
    _fill(page, "lf-field-0-label", "The number works")
    _fill(page, "lf-field-0-label-zh-Hans", "号码可用")
    page.locator("#bio-properties-panel-lf-field-0-type").select_option("boolean")
    group.locator(".bio-properties-panel-add-entry").click()
    _unfold(page, "lf-field-1")
    _fill(page, "lf-field-1-name", "best_time")
    _fill(page, "lf-field-1-label", "Best time to call")
    page.locator("#bio-properties-panel-lf-field-1-required").check()
    screenshot(page, "studio-modeler-form-en-desk")
    page.locator("#lf-comment").fill("Confirm the phone first")
    page.get_by_role("button", name="Deploy").dblclick()  # a double submit deploys once
    expect(page.locator("#lf-status")).to_contain_text("Deployed as version 2")
    assert Deployment.objects.filter(process_id="lead_to_cash").count() == 2
    assert page.url.endswith("/studio/processes/lead_to_cash/v2/modeler/")

    stored = Deployment.objects.get(process_id="lead_to_cash", version=2)
    (form_name,) = [n for n in stored.forms if n.startswith("lead_to_cash_")]
    assert list(stored.forms[form_name]["properties"]) == ["phone_ok", "best_time"]
    assert stored.forms[form_name]["required"] == ["best_time"]
    assert stored.forms[form_name]["translations"] == {"zh-Hans": {"fields": {"phone_ok": {"title": "号码可用"}}}}

    instance = _new_lead(stores, people)
    assert ProcessInstance.objects.get(pk=instance).deployment.version == 2
    item = WorkItem.objects.get(instance_id=instance, status=ItemStatus.OPEN, form=form_name)
    sales = sign_in(new_context(browser, DESK), live_server.url, "sales")
    expect(sales.locator("#inbox-lists")).to_contain_text("Confirm the phone number")
    sales.goto(f"{live_server.url}/items/{item.pk}/")
    expect(sales.get_by_text("The number works")).to_be_visible()
    expect(sales.get_by_text("Best time to call")).to_be_visible()
    sales.context.close()


def test_a_drawing_with_an_error_is_marked_on_its_element_and_the_live_version_serves(
    desk, live_server, lead_to_cash, people, stores
):
    page = sign_in(desk, live_server.url, "admin")
    _open(page, live_server.url)
    page.locator('.djs-element[data-element-id="Interested"]').click()
    _fill(page, "lf-condition-Flow_interested", "outcome == ")
    page.get_by_role("button", name="Check").click()
    problem = page.locator('#lf-problems .lf-problem-link[data-element="Flow_interested"]')
    expect(problem).to_contain_text("condition")
    expect(page.locator('.djs-element.lf-has-problem[data-element-id="Flow_interested"]')).to_have_count(1)
    page.locator('.djs-element[data-element-id="LeadReceived"]').click()
    problem.click()
    expect(page.locator('.djs-element.selected[data-element-id="Flow_interested"]')).to_have_count(1)
    page.get_by_role("button", name="Deploy").click()
    expect(page.locator("#lf-status")).to_contain_text("nothing was stored")
    screenshot(page, "studio-modeler-problem-en-desk")
    assert list(Deployment.objects.filter(process_id="lead_to_cash").values_list("version", flat=True)) == [1]
    instance = _new_lead(stores, people)
    assert ProcessInstance.objects.get(pk=instance).deployment.version == 1


# Written the way Camunda Modeler writes a file: camunda:* attributes and a camunda:formData extension.
CAMUNDA_PATH = Path(__file__).parents[1] / "studio" / "bpmn" / "camunda_drawn.bpmn"
CAMUNDA_FILE = CAMUNDA_PATH.read_text(encoding="utf-8")


def _elements(xml: str) -> dict[str, dict[str, str]]:
    """id -> attributes of every element with an id, and of every camunda:* element by its tag and id."""
    import xml.etree.ElementTree as ET

    found = {}
    for node in ET.fromstring(xml).iter():
        key = node.get("id") and f"{node.tag}#{node.get('id')}"
        if key:
            found[key] = dict(node.attrib)
    return found


def test_a_camunda_modeler_file_opens_and_saves_with_its_attributes_unchanged(desk, live_server, lead_to_cash, people):
    page = sign_in(desk, live_server.url, "admin")
    _open(page, live_server.url)
    page.locator("#lf-open").set_input_files(str(CAMUNDA_PATH))
    expect(page.locator("#lf-status")).to_contain_text("camunda_drawn.bpmn")
    expect(page.locator('.djs-element[data-element-id="Call"]')).to_have_count(1)
    saved = page.evaluate("async () => (await window.lotflowModeler.saveXML({ format: true })).xml")
    assert _elements(saved) == _elements(CAMUNDA_FILE)
    assert 'camunda:candidateGroups="sales"' in saved and "<camunda:formField" in saved
    # lead_to_cash itself, opened and saved unchanged, keeps its elements and spiffworkflow extensions.
    original = Deployment.objects.get(process_id="lead_to_cash", version=1).bpmn_xml
    again = page.evaluate(
        """async (xml) => {
            await window.lotflowModeler.importXML(xml);
            return (await window.lotflowModeler.saveXML({ format: true })).xml;
        }""",
        original,
    )
    assert _elements(again) == _elements(original)
    spiff = re.compile(r"<spiffworkflow:(\w+)")
    assert sorted(spiff.findall(again)) == sorted(spiff.findall(original))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_modeler_at_desk_width_in_each_language(browser, live_server, lead_to_cash, people, language):
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    Staff.objects.filter(user=people["admin"]).update(language=language)
    context = new_context(browser, DESK, language)
    page = sign_in(context, live_server.url, "admin", language)
    _open(page, live_server.url)
    page.locator('.djs-element[data-element-id="FirstContact"]').click()
    with translation.override(language):
        who, deploy_label = pgettext("bpmn modeler", "Who does this step"), gettext("Deploy")
    expect(page.locator('[data-group-id="group-lotflow-who"]')).to_contain_text(who)
    expect(page.get_by_role("button", name=deploy_label)).to_be_visible()
    screenshot(page, f"studio-modeler-{language}-desk")
    context.close()


def test_at_phone_width_the_diagram_is_read_only_and_the_page_says_why(browser, live_server, lead_to_cash, people):
    context = new_context(browser, PHONE)
    page = sign_in(context, live_server.url, "admin")
    _open(page, live_server.url)
    expect(page.locator(".lf-phone-note")).to_contain_text("desk-width screen")
    expect(page.locator("#lf-deploy")).to_be_hidden()
    expect(page.locator(".djs-palette")).to_have_count(0)
    screenshot(page, "studio-modeler-en-phone")
    context.close()


def test_the_panel_shows_what_lead_to_cash_says(desk, live_server, lead_to_cash, people):
    """Service function and parameters, timer, gateway conditions, instructions with their preview,
    translations: each read from the file into its own field."""
    page = sign_in(desk, live_server.url, "admin")
    _open(page, live_server.url)

    def select(element_id: str) -> None:
        page.evaluate(
            """(id) => {
                const modeler = window.lotflowModeler;
                modeler.get('selection').select(modeler.get('elementRegistry').get(id));
            }""",
            element_id,
        )

    select("RouteLead")
    expect(page.locator("#bio-properties-panel-lf-service")).to_have_value("crm.lead_route")
    expect(page.locator("#bio-properties-panel-lf-param-lead_id")).to_have_value("lead_id")
    expect(page.locator("#bio-properties-panel-lf-result")).to_have_value("routing")
    select("ContactOverdue")
    expect(page.locator("#bio-properties-panel-timerEventDefinitionValue")).to_have_value("PT24H")
    select("Interested")
    expect(page.locator("#bio-properties-panel-lf-condition-Flow_interested")).to_have_value('outcome == "interested"')
    select("FirstContact")
    expect(page.locator("#bio-properties-panel-lf-store")).to_have_value("store_id")
    page.locator('[data-group-id="group-lotflow-instructions"] .bio-properties-panel-group-header').click()
    expect(page.locator(".lf-preview strong").first).to_be_visible()
    page.locator('[data-group-id="group-lotflow-translations"] .bio-properties-panel-group-header').click()
    expect(page.locator("#bio-properties-panel-lf-name-zh-Hans")).not_to_have_value("")
    select("Participant_lead_to_cash")  # the translations group stays open from the task
    expect(page.locator("#bio-properties-panel-lf-process-name-zh-Hans")).to_have_value("线索到成交")
    expect(page.locator("#bio-properties-panel-lf-process-name-zh-Hans")).to_be_visible()


def test_a_second_admin_is_told_what_changed_and_keeps_the_drawing(desk, live_server, lead_to_cash, people):
    page = sign_in(desk, live_server.url, "admin")
    _open(page, live_server.url)
    page.locator('.djs-element[data-element-id="FirstContact"]').click()
    _fill(page, "name", "Call the prospect today")
    # Meanwhile another admin deploys version 2 with a changed first contact.
    xml = Deployment.objects.get(process_id="lead_to_cash", version=1).bpmn_xml
    other = make_staff("admin2", None, [("admin", True)])
    changed = xml.replace('name="First contact"', 'name="First call"', 1)
    api.deploy_sources([api.Source("lead_to_cash.bpmn", changed)], user=other)
    page.get_by_role("button", name="Deploy").click()
    conflict = page.locator("#lf-conflict")
    expect(conflict).to_contain_text("admin2 deployed version 2")
    expect(conflict.locator(".lf-change-changed")).to_contain_text("FirstContact")
    expect(page.locator('.djs-element.lf-changed-meanwhile[data-element-id="FirstContact"]')).to_have_count(1)
    expect(page.locator('.djs-element[data-element-id="FirstContact"]')).to_contain_text("Call the prospect today")
    screenshot(page, "studio-modeler-conflict-en-desk")
    assert Deployment.objects.filter(process_id="lead_to_cash").count() == 2
