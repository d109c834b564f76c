"""Junk in a form, tampered ids, expired sessions: a clear message on the page, nothing written."""

import pytest
from django.test import Client

from engine.models import ItemStatus, WorkItem
from tests.inbox.conftest import events, field_error, signed_in, text_of, valid_appraisal


@pytest.fixture
def unchanged(appraisal):
    """Asserts, after the test, that the appraisal is still open and no audit event was written."""
    before = events()
    yield
    assert (WorkItem.objects.get(pk=appraisal.pk).status, events()) == (ItemStatus.OPEN, before)


@pytest.mark.parametrize(
    ("field", "junk", "message"),
    [
        ("mileage", "12abc", "enter a whole number, such as 42 (not '12abc')"),
        ("mileage", "-5", "-5 is less than the minimum of 0"),
        ("offer", "NaN", "enter a number, such as 12.5 (not 'NaN')"),
        ("offer", "1e999", "this number is too large"),
        ("accident_free", "perhaps", "tick the box or leave it empty"),
        ("condition", "mint", "'mint' is not one of the choices"),
        ("appraiser", "other_sales", "'other_sales' is not one of the choices"),
        ("inspected_on", "2026-02-30", "there is no such date: 2026-02-30"),
        ("inspected_on", "30/11/2026", "enter the date as year-month-day, such as 2026-12-05 (not '30/11/2026')"),
        ("handover_at", "2026-13-01T10:00", "there is no such date: 2026-13-01"),
        ("notes", "x" * 100_000, "is too long: 100,000 characters, at most 65,536"),
    ],
)
def test_junk_in_a_field_is_named_beside_it(appraisal, people, unchanged, field, junk, message):
    response = signed_in(people["sales"]).post(f"/items/{appraisal.pk}/", valid_appraisal(**{field: junk}))
    assert response.status_code == 200
    assert field_error(response, field) == message


def test_a_text_longer_than_its_field_allows_is_refused_without_echoing_it(appraisal, people, unchanged):
    response = signed_in(people["sales"]).post(f"/items/{appraisal.pk}/", valid_appraisal(notes="y" * 5000))
    assert field_error(response, "notes") == "is too long: at most 2,000 characters"


def test_a_post_too_large_for_the_server_gets_a_page_saying_nothing_was_saved(appraisal, people, unchanged):
    response = signed_in(people["sales"]).post(f"/items/{appraisal.pk}/", valid_appraisal(notes="z" * 3_000_000))
    assert response.status_code == 400
    assert "nothing was saved" in text_of(response.content.decode())


def test_unknown_fields_in_a_post_are_ignored_not_stored(appraisal, people):
    signed_in(people["sales"]).post(f"/items/{appraisal.pk}/", valid_appraisal(is_admin="1", **{"owner.x": "1"}))
    result = WorkItem.objects.get(pk=appraisal.pk).result
    assert "is_admin" not in result and "x" not in result["owner"]


@pytest.mark.parametrize(
    "path", ["/items/999999/", "/items/99999999999999999999999/", "/items/-1/", "/items/abc/", "/items/999999/claim/"]
)
def test_a_tampered_item_id_is_not_found(appraisal, people, unchanged, path):
    client = signed_in(people["sales"])
    assert client.post(path, valid_appraisal()).status_code == 404


def test_a_forged_ticket_does_not_reveal_another_users_item(appraisal, people, unchanged):
    client = signed_in(people["sales2"])
    forged = signed_in(people["sales"]).get(f"/items/{appraisal.pk}/").context["page"].ticket
    assert client.post(f"/items/{appraisal.pk}/", {"ticket": forged}).status_code == 404


def test_a_post_after_the_session_ended_says_nothing_was_saved(appraisal, people, unchanged):
    client = signed_in(people["sales"])
    client.get(f"/items/{appraisal.pk}/")
    client.session.flush()
    client.cookies.pop("sessionid")
    response = client.post(f"/items/{appraisal.pk}/", valid_appraisal(), follow=True)
    assert response.redirect_chain == [(f"/login/?next=/items/{appraisal.pk}/", 302)]
    assert "Your session had ended, so nothing was saved. Sign in and try again." in text_of(response.content.decode())


def test_an_htmx_post_after_the_session_ended_loads_the_login_page(appraisal, people, unchanged):
    response = Client().post(f"/items/{appraisal.pk}/claim/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/login/?next=/items/{appraisal.pk}/"


def test_a_post_without_its_security_token_is_refused_with_a_reason(appraisal, people, unchanged):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["sales"])
    response = client.post(f"/items/{appraisal.pk}/", valid_appraisal())
    assert response.status_code == 403
    assert "This page was out of date" in text_of(response.content.decode())


def test_a_task_forms_date_field_says_how_a_date_is_written_and_a_bad_one_is_refused_in_chinese(people, appraisal):
    people["sales"].staff.language = "zh-hans"
    people["sales"].staff.save(update_fields=["language"])
    client = signed_in(people["sales"])
    html = client.get(f"/items/{appraisal.pk}/").content.decode()
    assert 'aria-describedby="f-inspected_on-hint"' in html
    assert (
        '<small class="date-hint" id="f-inspected_on-hint">请用日历选择日期，或按输入框显示的顺序填写。</small>' in html
    )
    answer = client.post(f"/items/{appraisal.pk}/", valid_appraisal(inspected_on="30/11/2026"))
    assert field_error(answer, "inspected_on") == "请按 年-月-日 填写日期，例如 2026-12-05（不是 '30/11/2026'）"
