"""A dealer's day walked in a real browser, in Chinese and in English, at desk and at phone width.

A salesperson of 上海浦东店 takes 刘超娟 from the pool by recording the first contact, logs a call on her
page and books a test drive in a car from stock; the complaints desk takes her call by her phone number
and fills the intake. Every label is found by its translation (the test translates the msgid, so one
walk serves both languages), every step is saved as a full-page screenshot in test-artifacts/screenshots/
(walk-<language>-<desk|phone>-<step>.png), and every page is checked for what a person should never
see: a stored choice code, an ISO time stamp, or a page wider than the phone.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import Page, expect

from portal.crm.models import Staff
from tests.browser.conftest import DESK, PHONE, new_context, screenshot, sign_in
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import deploy, make_staff

pytestmark = pytest.mark.browser

LANGUAGES = ["zh-hans", "en"]
WIDTHS = {"desk": DESK, "phone": PHONE}
CALLER = "13916620873"

ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Stored codes of the choices on these pages. On an English page some of them are also plain English
# words ("high", "prospect", "phone"), so there only the codes no sentence contains are looked for.
CODES_ANYWHERE = [
    "walk_in",
    "social_media",
    "test_drive",
    "follow_up",
    "not_interested",
    "in_stock",
    "vehicle_quality",
    "service_quality",
    "sales_process",
    "store_manager",
    "suv",
    "wechat",
    "sedan",
    "sms",
]
CODES_IN_CHINESE = [
    *CODES_ANYWHERE,
    "prospect",
    "customer",
    "high",
    "medium",
    "low",
    "critical",
    "interested",
    "phone",
    "visit",
    "personal",
    "open",
    "complaints",
    "male",
    "female",
]


def _form_labels(name: str, language: str) -> dict:
    """A process form's title and its fields' titles and choices as the viewer reads them."""
    form = json.loads((settings.LOTFLOW["PROCESS_DIR"] / "forms" / name).read_text(encoding="utf-8"))
    fields = {key: {"title": spec.get("title", key), "choices": {}} for key, spec in form["properties"].items()}
    for key, spec in form["properties"].items():
        for choice in spec.get("oneOf", []):
            fields[key]["choices"][choice["const"]] = choice["title"]
        for value in spec.get("enum", []):
            fields[key]["choices"][value] = value.capitalize()
    if language == "zh-hans":
        for key, spec in form["translations"]["zh-Hans"]["fields"].items():
            fields[key]["title"] = spec.get("title", fields[key]["title"])
            fields[key]["choices"].update(spec.get("choices", {}))
        return {"title": form["translations"]["zh-Hans"]["title"], "fields": fields}
    return {"title": form["title"], "fields": fields}


def _step_name(process: str, element_id: str, language: str) -> str:
    """A BPMN task's name as drawn, or its translation (the spiffworkflow property name.zh-Hans)."""
    tree = ET.parse(settings.LOTFLOW["PROCESS_DIR"] / f"{process}.bpmn")
    element = tree.find(f".//*[@id='{element_id}']")
    if language == "zh-hans":
        for prop in element.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}property"):
            if prop.get("name") == "name.zh-Hans":
                return prop.get("value")
    return element.get("name")


@pytest.fixture
def walk(people, stores, request):
    """Staff who read the walk's language, a Chinese prospect in the pool beside another, a car in stock."""
    language = request.node.callspec.params["language"]
    pudong = stores[0]
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "complaint.bpmn"))
    seller = make_staff("wangfang", pudong, ["sales"])
    desk = make_staff("zhaomin", pudong, ["complaints"])
    for user, (family, given) in ((seller, ("王", "芳")), (desk, ("赵", "敏"))):
        user.last_name, user.first_name = family, given
        user.save(update_fields=["first_name", "last_name"])
    Staff.objects.filter(user__in=[seller, desk]).update(language=language)
    prospect = CustomerFactory(
        name="刘超娟",
        home_store=pudong,
        owner=None,
        source="walk_in",
        intent_level="high",
        vehicle_type="suv",
        brands="丰田",
        budget_min=150000,
        budget_max=220000,
        phone=CALLER,
    )
    CustomerFactory(name="陈建国", home_store=pudong, owner=None, source="social_media", intent_level="medium")
    car = VehicleFactory(
        store=pudong, brand="丰田", model="RAV4荣放", vehicle_type="suv", asking_price=178000, plate="沪A·D1234"
    )
    return {"language": language, "prospect": prospect, "car": car}


def _looks_right(page: Page, language: str, width: str, step: str) -> None:
    """What every page of the walk must not show, then its screenshot."""
    page.wait_for_load_state("load")  # the style sheets too: the width is measured as the page is laid out
    text = page.evaluate("document.body.innerText")
    assert not ISO_STAMP.search(text), f"{step}: an ISO time stamp shows: {ISO_STAMP.search(text).group()}"
    codes = CODES_IN_CHINESE if language == "zh-hans" else CODES_ANYWHERE
    shown = sorted({code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)})
    assert not shown, f"{step}: raw choice codes show: {shown}"
    if width == "phone":
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= PHONE["width"], f"{step}: the page is {scroll}px wide on a {PHONE['width']}px phone"
    screenshot(page, f"walk-{language}-{width}-{step}")


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_salesperson_takes_a_prospect_and_books_a_test_drive_and_the_desk_takes_her_complaint(
    browser, live_server, walk, language, width
):
    prospect, car = walk["prospect"], walk["car"]
    with translation.override(language):
        t = {
            "pool": pgettext("customer pool", "Pool"),
            "pool_intro": gettext(
                "Prospects no salesperson owns yet. Recording the first contact with one makes it yours."
            ),
            "record_contact": gettext("Record contact"),
            "channel": gettext("Channel"),
            "outcome": gettext("Outcome"),
            "note": gettext("Note"),
            "phone": pgettext("contact channel", "Phone"),
            "visit": pgettext("contact channel", "Store visit"),
            "interested": pgettext("contact outcome", "Interested"),
            "follow_up": pgettext("contact outcome", "Follow up later"),
            "save_and_take": gettext("Save and take"),
            "taken": gettext("Contact recorded; %(customer)s is now yours.") % {"customer": prospect.name},
            "recorded": gettext("Contact recorded."),
            "prospect": pgettext("customer stage", "Prospect"),
            "walk_in": pgettext("lead source", "Walk-in"),
            "high": pgettext("intent level", "High"),
            "suv": pgettext("vehicle type", "SUV"),
            "communications": gettext("Communications"),
            "save": gettext("Save"),
            "appointments": gettext("Appointments"),
            "book_appointment": gettext("Book an appointment"),
            "kind": gettext("Kind of appointment"),
            "test_drive": pgettext("appointment kind", "Test drive"),
            "when": gettext("When"),
            "vehicle_id": gettext("Car"),
            "intended_model": gettext("Intended model"),
            "book": pgettext("verb", "Book"),
            "booked": gettext("Appointment booked."),
            "stock_that_fits": gettext("Stock that fits"),
            "complaint_call": gettext("Take a complaint call"),
            "caller_phone": gettext("Caller's phone number"),
            "find_and_start": gettext("Find the customer and start"),
            "call_taken": gettext("Complaint call taken."),
            "submit": gettext("Submit"),
        }
    intake = _form_labels("complaint_intake.json", language)
    fields = intake["fields"]

    context = new_context(browser, WIDTHS[width], language=language)
    try:
        # The salesperson opens the pool and takes 刘超娟 by recording the first contact.
        page = sign_in(context, live_server.url, "wangfang", language=language)
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if language == "zh-hans" else "en")
        page.goto(f"{live_server.url}/crm/pool/")
        expect(page.get_by_role("heading", name=t["pool"], exact=True)).to_be_visible()
        expect(page.get_by_text(t["pool_intro"])).to_be_visible()
        row = page.locator("tr", has_text=prospect.name)
        expect(row).to_contain_text(t["walk_in"])
        expect(row).to_contain_text(t["high"])
        _looks_right(page, language, width, "01-pool")

        row.get_by_text(t["record_contact"], exact=True).click()
        row.get_by_label(t["channel"]).select_option(label=t["visit"])
        row.get_by_label(t["outcome"]).select_option(label=t["interested"])
        row.get_by_label(t["note"]).fill("到店看了RAV4，想要家用SUV，周末带家人来试驾。")
        _looks_right(page, language, width, "02-first-contact")
        row.get_by_role("button", name=t["save_and_take"]).click()

        # Her page: she is the salesperson's now, a prospect with high intent for an SUV.
        expect(page).to_have_url(f"{live_server.url}/crm/customers/{prospect.pk}/")
        expect(page.locator("#messages")).to_contain_text(t["taken"])
        expect(page.get_by_role("heading", level=1)).to_contain_text(prospect.name)
        expect(page.get_by_role("heading", level=1)).to_contain_text(t["prospect"])
        expect(page.locator("dd", has_text=t["suv"]).first).to_be_visible()
        _looks_right(page, language, width, "03-taken")

        # A call logged on her page: the quick action at the top opens the form.
        page.locator("nav.quick-actions").get_by_text(gettext_in(language, "Log a call"), exact=True).click()
        log = page.locator("section", has=page.get_by_role("heading", name=gettext_in(language, "Log a communication")))
        log.get_by_label(t["channel"]).select_option(label=t["phone"])
        log.get_by_label(t["outcome"]).select_option(label=t["follow_up"])
        log.get_by_label(t["note"]).fill("电话确认周六上午十点来店试驾，预算二十万以内。")
        log.get_by_role("button", name=t["save"], exact=True).click()
        expect(page.locator("#messages")).to_contain_text(t["recorded"])
        communications = page.locator("section", has=page.get_by_role("heading", name=t["communications"]))
        expect(communications.locator("tbody tr")).to_have_count(2)
        expect(communications.locator("tbody tr").first).to_contain_text(t["phone"])
        _looks_right(page, language, width, "04-call-logged")

        # A test drive in the RAV4 that the page offers from stock.
        stock = page.locator("section", has=page.get_by_role("heading", name=t["stock_that_fits"]))
        if width == "phone":  # on a phone the page's folds start closed: she opens the stock that fits
            stock.locator("summary").first.click()
        offered = stock.get_by_role("link", name=re.compile("RAV4"))
        expect(offered).to_have_attribute("href", f"/crm/vehicles/{car.pk}/")
        page.locator("nav.quick-actions").get_by_text(gettext_in(language, "Book a test drive"), exact=True).click()
        appointments = page.locator("section", has=page.get_by_role("heading", name=t["appointments"]))
        appointments.get_by_label(t["kind"]).select_option(label=t["test_drive"])
        saturday = timezone.localtime() + timedelta(days=3)
        appointments.get_by_label(t["when"]).fill(saturday.strftime("%Y-%m-%dT10:00"))
        appointments.get_by_label(t["vehicle_id"]).select_option(value=str(car.pk))
        appointments.get_by_label(t["intended_model"]).fill("丰田 RAV4荣放")
        _looks_right(page, language, width, "05-booking")
        appointments.get_by_role("button", name=t["book"], exact=True).click()
        expect(page.locator("#messages")).to_contain_text(t["booked"])
        appointments = page.locator("section", has=page.get_by_role("heading", name=t["appointments"]))
        expect(appointments.locator("li").first).to_contain_text(t["test_drive"])
        expect(appointments.locator("li").first).to_contain_text("RAV4")
        _looks_right(page, language, width, "06-test-drive-booked")
        page.context.close()

        # The complaints desk takes 刘超娟's call by her number and lands on the intake.
        context = new_context(browser, WIDTHS[width], language=language)
        page = sign_in(context, live_server.url, "zhaomin", language=language)
        page.get_by_role("link", name=t["complaint_call"]).click()
        expect(page.get_by_role("heading", name=t["complaint_call"])).to_be_visible()
        page.get_by_label(t["caller_phone"]).fill("+86 13916620873")
        _looks_right(page, language, width, "07-complaint-call")
        page.get_by_role("button", name=t["find_and_start"]).click()

        expect(page.locator("#messages")).to_contain_text(t["call_taken"])
        expect(page.locator("#messages")).to_contain_text(_step_name("complaint", "Intake", language))
        expect(page.locator("h1")).to_be_visible()
        expect(page.get_by_text(intake["title"], exact=True).first).to_be_visible()
        expect(page.locator(".instructions strong").first).to_have_text(prospect.name)
        _looks_right(page, language, width, "08-intake")

        page.get_by_label(fields["channel"]["title"]).select_option(label=fields["channel"]["choices"]["phone"])
        page.get_by_label(fields["category"]["title"]).select_option(
            label=fields["category"]["choices"]["vehicle_quality"]
        )
        severity = page.get_by_role("group", name=fields["severity"]["title"])
        severity.get_by_label(fields["severity"]["choices"]["high"], exact=True).check()
        page.get_by_label(fields["description"]["title"]).fill("试驾车空调不制冷，客户要求尽快答复。")
        _looks_right(page, language, width, "09-intake-filled")
        page.get_by_role("button", name=t["submit"], exact=True).click()
        expect(page.locator("#messages")).to_contain_text(_step_name("complaint", "Intake", language))
        expect(page.locator("#messages")).to_contain_text(_step_name("complaint", "Acknowledge", language))
        _looks_right(page, language, width, "10-intake-done")
    finally:
        context.close()


def gettext_in(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)
