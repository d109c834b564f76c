"""One Chromium for the whole session (Debian's, driven by Playwright), a desk and a phone viewport,
and a demo inbox worth looking at.

Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with a
running loop unless told this is fine, and here it is: the test's ORM calls are plain and synchronous.
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from engine import api
from tests.helpers import deploy, only_item

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw"  # what tests.helpers.make_staff gives everyone


@pytest.fixture(scope="session")
def browser() -> Browser:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed: run bin/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# The browser's own language (Accept-Language, what the sign-in page is answered in) for a walk in each language.
BROWSER_LOCALES = {"en": "en-GB", "zh-hans": "zh-CN"}


def new_context(browser: Browser, viewport: dict, language: str = "en") -> BrowserContext:
    phone = viewport["width"] < 600
    context = browser.new_context(
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        locale=BROWSER_LOCALES[language],
        timezone_id=settings.TIME_ZONE,
    )
    context.set_default_timeout(10_000)
    context.on("console", _note_csp_violation)
    return context


# What the content security policy blocked during a test (portal/csp.py): a page that needs something the
# policy forbids (an inline script, an inline handler, eval) is broken in production, so the test fails.
CSP_VIOLATIONS: list[str] = []


def _note_csp_violation(message) -> None:
    if "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(f"{message.location.get('url', '?')}: {message.text}")


@pytest.fixture(autouse=True)
def _nothing_blocked_by_the_csp():
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "\n".join(CSP_VIOLATIONS)


@pytest.fixture
def desk(browser):
    context = new_context(browser, DESK)
    yield context
    context.close()


@pytest.fixture
def phone(browser):
    context = new_context(browser, PHONE)
    yield context
    context.close()


def sign_in(context: BrowserContext, base_url: str, username: str, language: str = "en") -> Page:
    """Sign in on the login page, whose labels are read in ``language`` (the browser's and the staff member's)."""
    with translation.override(language):
        labels = [gettext(text) for text in ("Username", "Password", "Sign in", "Inbox")]
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.get_by_label(labels[0]).fill(username)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2]).click()
    expect(page.get_by_role("heading", name=labels[3], exact=True)).to_be_visible()
    return page


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def leads(people, stores) -> dict[str, int]:
    """Three prospects waiting for the 上海浦东店 sales team, an overdue reminder and a notice."""
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"))
    instances = {}
    for n, name in enumerate(["Li Wei", "Zhang Min", "Chen Jie"], start=7):
        started = api.start(
            "lead_followup",
            business_key=f"cust-{n}",
            user=people["manager"],
            data={"store_id": stores[0].pk, "customer_id": n, "customer_name": name, "phone": f"1380000000{n}"},
        )
        instances[name] = only_item(started.instance_id, "Contact").pk
    api.create_item(
        kind="reminder",
        title="Send the brochure",
        assignee=people["sales"],
        subject_label="Sun Mei",
        due_at=timezone.now() - timedelta(hours=3),
        priority=3,
    )
    api.create_item(kind="notice", title="New price list from Monday", role="sales", store_id=stores[0].pk)
    return instances
