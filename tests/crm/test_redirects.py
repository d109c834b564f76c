"""A refused action goes back to the page it came from only when that page is ours (trust probe: Referer)."""

import pytest

pytestmark = pytest.mark.django_db

FOLLOW_UP = {"due_at": "2030-01-02 10:00", "method": "phone", "purpose": "call back"}


def _refused_follow_up(client, customer, referer):
    # A salesperson sees a pool prospect but may not plan its follow-ups: a refusal on a visible record.
    return client.post(f"/crm/customers/{customer.pk}/follow-up/", FOLLOW_UP, HTTP_REFERER=referer)


def test_a_refusal_never_redirects_to_another_site(book, crm_people, as_user):
    client = as_user(crm_people["sales"])
    for referer in ("https://evil.example/login", "//evil.example/", "http://testserver.evil.example/"):
        answer = _refused_follow_up(client, book["pool"], referer)
        assert answer.status_code == 403, referer
        assert "evil" not in answer.get("Location", "")


def test_a_refusal_goes_back_to_our_own_page(book, crm_people, as_user):
    client = as_user(crm_people["sales"])
    answer = _refused_follow_up(client, book["pool"], "http://testserver/crm/pool/?sort=score")
    assert answer.status_code == 302 and answer["Location"] == "http://testserver/crm/pool/?sort=score"


def test_the_language_switch_never_redirects_to_another_site(client):
    answer = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert answer["Location"] == "/"
