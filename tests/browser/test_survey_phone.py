"""A customer answers a satisfaction survey on a phone (390x844), in Chinese, from the link in their message:
no sign-in, every label read in Chinese, nothing wider than the screen, nothing blocked by the CSP; the link is
then spent, and a second visit says so."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from portal.crm.models.choices import OrderStatus
from portal.crm.services.vehicles import order_deliver
from portal.surveys.defaults import install
from portal.surveys.links import token_for
from portal.surveys.models import Invitation, Question, Questionnaire, Response
from tests.browser.conftest import PHONE, new_context, screenshot
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory
from tests.helpers import make_staff, make_store

pytestmark = pytest.mark.browser


@pytest.fixture
def invitation(transactional_db):
    # A live-server test before this one flushed the tables, shipped questionnaires included.
    install(Questionnaire, Question)
    store = make_store("上海浦东店", "上海")
    seller = make_staff("sales", store, ["sales"])
    customer = CustomerFactory(name="刘超娟", home_store=store, owner=seller, stage="customer")
    vehicle = VehicleFactory(store=store, status="reserved")
    order = OrderFactory(customer=customer, vehicle=vehicle, store=store, salesperson=seller, status=OrderStatus.PAID)
    order_deliver(order_id=order.pk, by=seller)
    found = Invitation.objects.get(record=f"order:{order.pk}")
    found.language = "zh-hans"
    found.save(update_fields=["language"])
    return found


def test_a_customer_answers_a_survey_on_a_phone_in_chinese(browser, live_server, invitation):
    with translation.override("zh-hans"):
        send, thanks, used = (
            gettext(t) for t in ("Send my answers", "Thank you!", "This survey has already been answered. Thank you!")
        )
    questions = list(invitation.questionnaire.questions.all())
    context = new_context(browser, PHONE, language="zh-hans")
    try:
        page = context.new_page()
        url = f"{live_server.url}/s/{token_for(invitation)}/"
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(invitation.questionnaire.title_zh)
        expect(page.get_by_text("尊敬的刘超娟")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # Sent with a required question unanswered: the page says what is missing and keeps the rest.
        first = page.get_by_role("group", name=questions[0].text_zh)
        first.get_by_role("radio", name="5").check()
        page.get_by_role("button", name=send).click()
        expect(page.get_by_role("alert").first).to_be_visible()
        expect(page.get_by_role("group", name=questions[0].text_zh).get_by_role("radio", name="5")).to_be_checked()
        for question in questions[1:]:
            group = page.get_by_role("group", name=question.text_zh)
            if question.kind == "scale5":
                group.get_by_role("radio", name="4").check()
            elif question.kind == "single":
                group.get_by_role("radio", name="是").check()
            elif question.kind == "text":
                group.get_by_role("textbox").fill("交车很顺利，谢谢！")
        screenshot(page, "survey-zh-hans-phone-filled")
        page.get_by_role("button", name=send).click()
        expect(page.get_by_role("heading", name=thanks)).to_be_visible()
        page.goto(url)
        expect(page.get_by_text(used)).to_be_visible()
        screenshot(page, "survey-zh-hans-phone-used")
    finally:
        context.close()
    response = Response.objects.get(invitation=invitation)
    assert response.answers.filter(text="交车很顺利，谢谢！").exists()
    assert response.index is not None and response.index > 70
