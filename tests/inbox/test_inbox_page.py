"""The inbox: mine and claimable apart, each item's facts, sorting, notices, claiming, signing in."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from engine import api
from engine.models import ItemStatus, WorkItem
from tests.inbox.conftest import rows, signed_in, text_of

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def reminders(people):
    """Two reminders for the salesperson: one overdue and normal, one later and urgent."""
    now = timezone.now()
    late, _ = api.create_item(
        kind="reminder",
        title="Send the brochure",
        assignee=people["sales"],
        subject_label="Chen Jie",
        due_at=now - timedelta(hours=2),
        priority=3,
    )
    urgent, _ = api.create_item(
        kind="reminder",
        title="Call back about financing",
        assignee=people["sales"],
        subject_label="Sun Mei",
        due_at=now + timedelta(days=1),
        priority=1,
    )
    return late, urgent


def test_inbox_lists_mine_apart_from_what_my_roles_may_claim(appraisal, demo_contact, people):
    response = signed_in(people["sales"]).get("/")
    assert rows(response, "mine") == [
        (
            "Appraise the trade-in Wang Fang Trade-in appraisal 上海浦东店 "
            f"{timezone.localtime(appraisal.due_at):%a %-d %b %Y %H:%M} P2 · High Release"
        )
    ]
    assert rows(response, "claimable") == [
        (
            "Contact the prospect Li Wei Prospect follow-up 上海浦东店 "
            f"{timezone.localtime(demo_contact.due_at):%a %-d %b %Y %H:%M} P2 · High Claim"
        )
    ]


def test_overdue_items_are_marked(reminders, people):
    response = signed_in(people["sales"]).get("/")
    assert [("Overdue" in row, row.split(" Reminder")[0]) for row in rows(response, "mine")] == [
        (True, "Send the brochure Chen Jie"),
        (False, "Call back about financing Sun Mei"),
    ]


def test_sorting_by_priority_puts_the_urgent_item_first(reminders, people):
    response = signed_in(people["sales"]).get("/?sort=priority")
    assert [row.split(" ")[0:3] for row in rows(response, "mine")] == [
        ["Call", "back", "about"],
        ["Send", "the", "brochure"],
    ]


def test_an_unknown_sort_falls_back_to_due_time(reminders, people):
    response = signed_in(people["sales"]).get("/?sort=drop+table")
    assert rows(response, "mine")[0].startswith("Send the brochure")


def test_the_nav_bar_shows_my_counts(appraisal, demo_contact, people):
    html = signed_in(people["sales"]).get("/").content.decode()
    assert 'aria-label="Inbox: 1 mine, 1 claimable, 0 notices"' in html


def test_a_notice_is_shown_apart_and_one_click_dismisses_it(people, stores):
    notice, _ = api.create_item(kind="notice", title="New price list from Monday", role="sales", store_id=stores[0].pk)
    client = signed_in(people["sales"])
    before = client.get("/")
    response = client.post(f"/items/{notice.pk}/dismiss/", {"ticket": before.context["page"].notices[0].ticket}, **HTMX)
    assert "Notices New price list from Monday 上海浦东店" in text_of(before.content.decode())
    assert "notices-heading" not in response.content.decode()
    assert "Dismissed “New price list from Monday”." in text_of(response.content.decode())
    assert 'aria-label="Inbox: 0 mine, 0 claimable, 0 notices"' in response.content.decode()
    assert WorkItem.objects.get(pk=notice.pk).status == ItemStatus.DONE


def test_claiming_from_the_inbox_moves_the_item_to_mine_in_one_round_trip(demo_contact, people):
    client = signed_in(people["sales"])
    ticket = client.get("/").context["page"].claimable[0].ticket
    response = client.post(f"/items/{demo_contact.pk}/claim/", {"ticket": ticket}, **HTMX)
    assert response.status_code == 200
    assert [r.split(" Li Wei")[0] for r in rows(response, "mine")] == ["Contact the prospect"]
    assert rows(response, "claimable") == []
    assert "You claimed “Contact the prospect”" in text_of(response.content.decode())


def test_claiming_what_a_colleague_took_first_says_who(demo_contact, people):
    client = signed_in(people["sales2"])
    ticket = client.get("/").context["page"].claimable[0].ticket
    api.claim(demo_contact.pk, user=people["sales"])
    response = client.post(f"/items/{demo_contact.pk}/claim/", {"ticket": ticket}, follow=True)
    assert "sales took “Contact the prospect” first. Nothing was changed." in text_of(response.content.decode())
    assert WorkItem.objects.get(pk=demo_contact.pk).assignee_id == people["sales"].pk


def test_signing_in_leads_to_the_inbox(people):
    response = Client().post("/login/", {"username": "sales", "password": "pw"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Inbox" in text_of(response.content.decode())


def test_a_wrong_password_is_refused_on_the_login_page(people):
    response = Client().post("/login/", {"username": "sales", "password": "nope"})
    assert "did not match" in text_of(response.content.decode())


def test_signing_out_returns_to_the_login_page(people):
    client = signed_in(people["sales"])
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert client.get("/").status_code == 302


def test_an_anonymous_visitor_is_sent_to_sign_in(db):
    response = Client().get("/?sort=priority")
    assert response["Location"] == "/login/?next=/%3Fsort%3Dpriority"
