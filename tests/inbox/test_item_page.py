"""The work-item page: instructions, the form, the history; submitting, claiming, releasing."""

from pathlib import Path

import pytest

from engine import api
from engine.models import AuditEvent, ItemStatus, WorkItem
from tests.helpers import deploy, only_item
from tests.inbox.conftest import events, field_error, signed_in, text_of, valid_appraisal


def test_the_page_shows_instructions_the_form_and_what_happened(appraisal, people):
    response = signed_in(people["sales"]).get(f"/items/{appraisal.pk}/")
    html = response.content.decode()
    page = text_of(html)
    assert "Inspect the car of <strong>Wang Fang</strong>" in html
    assert '<a href="https://lotflow.example/checklist" rel="noopener noreferrer">the checklist</a>' in html
    assert "Customer Wang Fang" in page  # the read-only value from the process
    assert 'name="mileage"' in html and 'name="owner.name"' in html and 'type="datetime-local"' in html
    assert "manager started the process" in page and "sales claimed · Appraise the trade-in" in page


def test_choices_are_filled_from_the_provider_for_the_items_store(appraisal, people):
    html = signed_in(people["sales"]).get(f"/items/{appraisal.pk}/").content.decode()
    assert 'name="appraiser" value="sales"' in html and 'name="appraiser" value="sales2"' in html
    assert 'value="other_sales"' not in html  # a salesperson of the other store


def test_an_error_is_shown_beside_its_field_with_what_was_typed_kept(appraisal, people):
    before = events()
    response = signed_in(people["sales"]).post(f"/items/{appraisal.pk}/", valid_appraisal(plate="hu-1"))
    assert field_error(response, "plate") == "is not in the expected form (Capital letters and digits, 5 to 8 of them)"
    assert 'name="plate" value="hu-1"' in response.content.decode()
    assert 'name="notes" rows="4" maxlength="2000">Small dent, rear left.</textarea>' in response.content.decode()
    assert "Nothing was saved: one thing needs correcting." in text_of(response.content.decode())
    assert (WorkItem.objects.get(pk=appraisal.pk).status, events()) == (ItemStatus.OPEN, before)


def test_a_missing_required_field_inside_a_group_is_named_there(appraisal, people):
    response = signed_in(people["sales"]).post(
        f"/items/{appraisal.pk}/", valid_appraisal(**{"owner.name": "", "owner.years": "3"})
    )
    assert field_error(response, "owner.name") == "this field is required"


def test_submitting_opens_the_next_step_when_it_is_the_same_persons(demo_contact, people):
    client = signed_in(people["sales"])
    response = client.post(f"/items/{demo_contact.pk}/", {"outcome": "interested", "intent_level": "high"}, follow=True)
    booking = only_item(demo_contact.instance_id, "BookTestDrive")
    assert booking.assignee_id == people["sales"].pk
    assert response.redirect_chain == [(f"/items/{booking.pk}/", 302)]
    page = text_of(response.content.decode())
    assert "Done: “Contact the prospect” (Li Wei). Next: Book a test drive is in your list." in page
    assert response.context["page"].item.pk == booking.pk


def test_submitting_returns_to_the_inbox_when_the_next_step_is_someone_elses(appraisal, people):
    response = signed_in(people["sales"]).post(f"/items/{appraisal.pk}/", valid_appraisal(), follow=True)
    review = only_item(appraisal.instance_id, "Review")
    assert review.assignee_id is None
    assert response.redirect_chain == [(f"/?opened={review.pk}", 302)]


def test_the_next_item_of_another_role_says_who_it_waits_for(appraisal, people):
    response = signed_in(people["sales"]).post(f"/items/{appraisal.pk}/", valid_appraisal(), follow=True)
    assert "Next: “Review the appraisal” waits in the Store manager queue at 上海浦东店." in text_of(
        response.content.decode()
    )


def test_a_form_posted_twice_is_done_once(demo_contact, people):
    client = signed_in(people["sales"])
    client.post(f"/items/{demo_contact.pk}/", {"outcome": "not_interested"})
    response = client.post(f"/items/{demo_contact.pk}/", {"outcome": "not_interested"}, follow=True)
    assert "“Contact the prospect” was already completed by you; nothing was done twice." in text_of(
        response.content.decode()
    )
    assert AuditEvent.objects.filter(work_item=demo_contact.pk, action="completed").count() == 1


def test_an_item_completed_by_a_colleague_meanwhile_says_so(demo_contact, people):
    client = signed_in(people["sales2"])
    ticket = client.get(f"/items/{demo_contact.pk}/").context["page"].ticket
    api.complete(demo_contact.pk, user=people["sales"], data={"outcome": "unreachable"})
    before = events()
    response = client.post(f"/items/{demo_contact.pk}/", {"outcome": "interested", "ticket": ticket}, follow=True)
    assert "“Contact the prospect” was already completed by sales; nothing was done twice." in text_of(
        response.content.decode()
    )
    assert events() == before
    assert WorkItem.objects.get(pk=demo_contact.pk).result == {"outcome": "unreachable"}


def test_claim_then_release_from_the_item_page(demo_contact, people):
    client = signed_in(people["sales"])
    ticket = client.get(f"/items/{demo_contact.pk}/").context["page"].ticket
    claimed = client.post(f"/items/{demo_contact.pk}/claim/", {"ticket": ticket, "return_to": "item"}, follow=True)
    released = client.post(f"/items/{demo_contact.pk}/release/", {"ticket": ticket}, follow=True)
    assert "Release to the queue" in text_of(claimed.content.decode())
    assert claimed.redirect_chain == [(f"/items/{demo_contact.pk}/", 302)]
    assert "it is back in the queue of its role" in text_of(released.content.decode())
    assert WorkItem.objects.get(pk=demo_contact.pk).assignee_id is None


def test_a_task_without_a_form_is_confirmed_with_one_button(appraisal, people):
    api.complete(
        appraisal.pk,
        user=people["sales"],
        data={"plate": "HU12345", "mileage": 1, "condition": "good", "inspected_on": "2026-11-20"},
    )
    review = only_item(appraisal.instance_id, "Review")
    client = signed_in(people["manager"])
    page = text_of(client.get(f"/items/{review.pk}/").content.decode())
    response = client.post(f"/items/{review.pk}/", {}, follow=True)
    assert "This step needs no answers" in page and "Mark as done" in page
    assert "The process is complete." in text_of(response.content.decode())


def test_a_manager_may_look_at_a_salespersons_item_but_gets_no_form(appraisal, people):
    html = signed_in(people["manager"]).get(f"/items/{appraisal.pk}/").content.decode()
    assert "You may look at this item but not work on it." in text_of(html)
    assert 'name="mileage"' not in html
    assert "From the process Customer Wang Fang" in text_of(html)


@pytest.mark.parametrize("who", ["sales2", "other_sales", "other_manager"])
def test_a_user_who_may_not_see_the_item_gets_404(appraisal, people, who):
    client = signed_in(people[who])
    assert [
        client.get(f"/items/{appraisal.pk}/").status_code,
        client.post(f"/items/{appraisal.pk}/", valid_appraisal()).status_code,
        client.post(f"/items/{appraisal.pk}/release/").status_code,
    ] == [404, 404, 404]
    assert WorkItem.objects.get(pk=appraisal.pk).status == ItemStatus.OPEN


def test_a_standalone_reminder_shows_its_own_history(people):
    reminder, _ = api.create_item(
        kind="reminder", title="Renew the demo car's insurance", assignee=people["sales"], actor=people["manager"]
    )
    client = signed_in(people["sales"])
    page = text_of(client.get(f"/items/{reminder.pk}/").content.decode())
    response = client.post(f"/items/{reminder.pk}/", {}, follow=True)
    assert "manager created" in page and "Mark as done" in page
    assert "Done: “Renew the demo car's insurance”." in text_of(response.content.decode())


def test_a_form_the_page_cannot_draw_is_named_and_nothing_is_done(people, stores):
    deploy(str(Path(__file__).parent / "bpmn" / "odd_form.bpmn"))
    item = only_item(api.start("odd_form", data={"store_id": stores[0].pk}).instance_id)
    client = signed_in(people["sales"])
    page = text_of(client.get(f"/items/{item.pk}/").content.decode())
    response = client.post(f"/items/{item.pk}/", {"tags": "blue"}, follow=True)
    assert "This form cannot be shown: field 'tags': a list needs its choices" in page
    assert "Submit" not in page
    assert "This form cannot be shown" in text_of(response.content.decode())
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.OPEN
