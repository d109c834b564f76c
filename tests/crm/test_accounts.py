"""Accounts (trust probe): passwords that hold, lockout after wrong ones, leavers cut off at once, idle sessions."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from engine import api
from engine.clock import frozen
from portal.crm import tokens
from portal.crm.models import ApiToken
from portal.crm.services.staff import sign_in_locked, staff_create, staff_deactivate

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


@pytest.mark.parametrize(
    ("password", "why"),
    [("11111111", "too short"), ("111111111111", "only digits"), ("password1234", "common"), ("newbie-sales1", "name")],
)
def test_weak_passwords_are_refused_with_the_reason(crm_people, stores, password, why):
    with pytest.raises(ValidationError) as refused:
        staff_create(
            by=crm_people["manager"], username="newbie-sales", password=password, store=stores[0], roles=["sales"]
        )
    assert "password" in refused.value.message_dict, why


def test_a_good_password_is_accepted(crm_people, stores):
    staff = staff_create(
        by=crm_people["manager"], username="newbie", password="harbour-lights-42", store=stores[0], roles=["sales"]
    )
    assert staff.user.check_password("harbour-lights-42")


def test_wrong_passwords_lock_the_sign_in_until_unlocked(crm_people, as_user):
    sales = crm_people["sales"]
    sales.set_password("harbour-lights-42")
    sales.save()
    client = Client()
    for _ in range(4):
        assert _login(client, "sales", "wrong-guess").status_code == 200
    assert _login(client, "sales", "wrong-guess").status_code == 429  # the fifth failure locks
    locked = _login(client, "sales", "harbour-lights-42")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert sign_in_locked("sales")
    # Another person at the same desk is not locked out by sales's mistakes.
    crm_people["sales2"].set_password("river-stones-77")
    crm_people["sales2"].save()
    assert _login(Client(), "sales2", "river-stones-77").status_code == 302

    manager = as_user(crm_people["manager"])
    page = manager.get(f"/crm/staff/{sales.staff.pk}/")
    assert "wrong" in page.content.decode().lower() or "错误" in page.content.decode()
    assert manager.post(f"/crm/staff/{sales.staff.pk}/unlock/").status_code == 302
    assert not sign_in_locked("sales")
    assert _login(client, "sales", "harbour-lights-42").status_code == 302


def test_a_salesperson_may_not_unlock_anyone(crm_people, as_user):
    answer = as_user(crm_people["sales"]).post(f"/crm/staff/{crm_people['sales2'].staff.pk}/unlock/")
    assert answer.status_code == 404


def test_deactivation_ends_the_session_and_revokes_the_token_at_once(crm_people, stores):
    leaver = crm_people["sales2"]
    desk = Client()
    desk.force_login(leaver)
    assert desk.get("/").status_code == 200
    key = tokens.issue(leaver)
    api_client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/customers").status_code == 200

    staff_deactivate(staff_id=leaver.staff.pk, by=crm_people["manager"], prospects_to=None, customers_to=None)

    assert desk.get("/").status_code == 302  # to the login page
    assert api_client.get("/api/v1/customers").status_code == 401
    lead = {"name": "王芳", "phone": "13800138000", "source": "website"}
    assert api_client.post("/api/v1/leads", lead, content_type="application/json").status_code == 401
    assert not ApiToken.objects.filter(user=leaver).exists()


def test_an_idle_session_ends_and_says_why(crm_people, settings):
    client = Client()
    client.force_login(crm_people["sales"])
    start = api.now()
    with frozen(start):
        assert client.get("/").status_code == 200
    with frozen(start + timedelta(minutes=settings.IDLE_MINUTES - 1)):
        assert client.get("/").status_code == 200  # still in time; the clock of activity moves on
    with frozen(start + timedelta(minutes=2 * settings.IDLE_MINUTES - 1)):
        assert client.get("/").status_code == 200
    with frozen(start + timedelta(minutes=3 * settings.IDLE_MINUTES + 1)):
        answer = client.get("/", follow=True)
    assert answer.redirect_chain[-1][0].startswith("/login/")
    assert "without activity" in answer.content.decode() or "无操作" in answer.content.decode()
