"""An admin's first sign-in on a phone: the password, then setting up the authenticator app, then the inbox."""

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, PHONE, screenshot

pytestmark = pytest.mark.browser


@override_settings(LOTFLOW_ADMIN_SECOND_FACTOR=True)
def test_an_admin_sets_up_the_app_on_a_phone_and_then_types_codes(phone, live_server, people):
    page = phone.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of your authenticator secret")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "second-factor-enrol-phone")
    device = TOTPDevice.objects.get(user=people["admin"])
    shown = page.get_by_label("Secret key").inner_text().replace(" ", "")
    assert device.config_url.split("secret=")[1].startswith(shown)

    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("authenticator app is set up")

    page.goto(f"{live_server.url}/account/second-factor/admins/")
    expect(page.get_by_role("cell", name="set up", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "second-factor-admins-phone")
