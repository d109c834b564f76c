"""Staff pages: a store manager adds staff to their store, sets roles and deactivates with a handover."""

from django.urls import reverse

from portal.crm.grants import grants_for
from portal.crm.models import Customer, Staff


def test_a_manager_adds_a_salesperson_to_their_store(crm_people, stores, client):
    client.force_login(crm_people["manager"])
    page = client.post(
        reverse("crm:staff_new"),
        {"username": "newbie", "password": "harbour-lights-42", "store": stores[0].pk, "roles": ["sales"]},
    )
    staff = Staff.objects.get(user__username="newbie")
    assert page.status_code == 302 and grants_for(staff.user) == {("sales", stores[0].pk)}


def test_a_manager_cannot_add_staff_to_another_store_or_grant_hq(crm_people, stores, client):
    client.force_login(crm_people["manager"])
    client.post(
        reverse("crm:staff_new"),
        {"username": "x1", "password": "harbour-lights-42", "store": stores[1].pk, "roles": ["sales"]},
    )
    client.post(
        reverse("crm:staff_new"),
        {"username": "x2", "password": "harbour-lights-42", "store": stores[0].pk, "roles": ["hq"]},
    )
    assert not Staff.objects.filter(user__username__in=["x1", "x2"]).exists()


def test_roles_are_set_on_the_staff_page(crm_people, client):
    client.force_login(crm_people["manager"])
    staff = crm_people["sales2"].staff
    client.post(reverse("crm:staff", args=[staff.pk]), {"roles": ["sales", "service"], "phone": "021-1234"})
    assert {r for r, _ in grants_for(crm_people["sales2"])} == {"sales", "service"}


def test_deactivating_hands_over_and_revokes_everything(book, crm_people, client):
    client.force_login(crm_people["manager"])
    staff = crm_people["sales"].staff
    client.post(
        reverse("crm:staff_deactivate", args=[staff.pk]),
        {"prospects_to": "", "customers_to": "sales2"},
        HTTP_REFERER="/crm/staff/",
    )
    staff.refresh_from_db()
    assert staff.active is False and grants_for(crm_people["sales"]) == frozenset()
    assert Customer.objects.get(pk=book["mine"].pk).owner is None
    assert Customer.objects.get(pk=book["closed"].pk).owner == crm_people["sales2"]


def test_a_deactivation_without_a_colleague_for_customers_changes_nothing(book, crm_people, client):
    client.force_login(crm_people["manager"])
    staff = crm_people["sales"].staff
    page = client.post(
        reverse("crm:staff_deactivate", args=[staff.pk]), {"prospects_to": "", "customers_to": ""}, follow=True
    )
    staff.refresh_from_db()
    assert staff.active and "name the colleague" in page.content.decode()
    assert Customer.objects.get(pk=book["mine"].pk).owner == crm_people["sales"]
