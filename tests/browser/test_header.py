"""The header on a desk: one row for the people with the most pages (hq and an admin who also handles
complaints), in Chinese and in English; what they set up rather than work daily sits under one menu."""

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from portal.crm.models import Staff
from tests.browser.conftest import DESK, new_context, screenshot, sign_in
from tests.helpers import make_staff

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_busiest_header_is_one_row_on_a_desk(browser, live_server, people, stores, language):
    busiest = make_staff("busiest", None, [("hq", True), ("admin", True), ("complaints", True), ("service", True)])
    busiest.first_name, busiest.last_name = "Wei", "Zhang"
    busiest.save(update_fields=["first_name", "last_name"])
    Staff.objects.filter(user=busiest).update(language=language)
    context = new_context(browser, DESK, language)
    try:
        page = sign_in(context, live_server.url, "busiest", language)
        # One row: no item of the bar starts below where another ends.
        rows = page.evaluate(
            """() => {
                const boxes = [...document.querySelectorAll('.site-header nav > ul > li')]
                    .map(li => li.getBoundingClientRect()).filter(b => b.height > 0);
                const lowestBottom = Math.min(...boxes.map(b => b.bottom));
                return 1 + boxes.filter(b => b.top >= lowestBottom).length;
            }"""
        )
        screenshot(page, f"header-desk-{language}")
        assert rows == 1, f"the header wraps ({rows - 1} items on a further row) at {DESK['width']} px"
        with translation.override(language):
            manage, staff = pgettext("menu", "Manage"), gettext("Staff")
        page.locator(".manage-menu summary").click()
        expect(page.get_by_role("link", name=staff, exact=True)).to_be_visible()
        assert page.locator(".manage-menu summary").inner_text().strip() == manage
        screenshot(page, f"header-desk-{language}-manage-open")
    finally:
        context.close()
