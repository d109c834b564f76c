"""The CRM pages, as a salesperson, a manager and hq would use them."""

import pytest
from django.urls import reverse

from portal.crm.models import Communication, Customer, Vehicle


def test_customer_list_shows_only_what_the_salesperson_may_see(book, crm_people, as_user):
    page = as_user(crm_people["sales"]).get(reverse("crm:customers"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "李伟" in html and "Wang Fang" in html
    assert "Zhang Min" not in html and "Liu Yang" not in html


def test_search_box_finds_by_last_four_digits(book, crm_people, as_user):
    last4 = book["mine"].phones.get().number[-4:]
    html = as_user(crm_people["sales"]).get(reverse("crm:customers"), {"q": last4}).content.decode()
    assert "李伟" in html and "Wang Fang" not in html


def test_an_upside_down_budget_filter_says_which_field(book, crm_people, as_user):
    html = (
        as_user(crm_people["sales"]).get(reverse("crm:customers"), {"budget_min": 9, "budget_max": 1}).content.decode()
    )
    assert "Budget from (9) is above budget to (1)" in html


def test_creating_a_customer_with_a_taken_phone_shows_the_error_and_keeps_nothing(book, crm_people, as_user):
    phone = book["colleague"].phones.get().number
    page = as_user(crm_people["sales"]).post(
        reverse("crm:customer_new"),
        {"name": "Dup", "phones": phone, "gender": "unspecified", "source": "walk_in", "intent_level": "high"},
    )
    assert page.status_code == 200
    assert f"already belongs to customer #{book['colleague'].pk}" in page.content.decode()
    assert not Customer.objects.filter(name="Dup").exists()


def test_creating_a_customer_makes_the_salesperson_the_owner(crm_people, as_user):
    page = as_user(crm_people["sales"]).post(
        reverse("crm:customer_new"),
        {
            "name": "周杰",
            "phones": "13600001234",
            "gender": "male",
            "source": "car_show",
            "sub_channel": "Auto Expo",
            "intent_level": "high",
            "budget_min": "100000",
            "budget_max": "200000",
            "tags": "vip, suv",
        },
    )
    customer = Customer.objects.get(name="周杰")
    assert page.status_code == 302 and page["Location"] == reverse("crm:customer", args=[customer.pk])
    assert customer.owner == crm_people["sales"] and sorted(t.name for t in customer.tags.all()) == ["suv", "vip"]


def test_taking_a_prospect_from_the_pool_page(book, crm_people, as_user):
    client = as_user(crm_people["sales"])
    assert "Wang Fang" in client.get(reverse("crm:pool")).content.decode()
    client.post(
        reverse("crm:customer_contact", args=[book["pool"].pk]),
        {"channel": "phone", "outcome": "interested", "content": "wants an SUV", "from_pool": "on"},
        follow=True,
    )
    assert Customer.objects.get(pk=book["pool"].pk).owner == crm_people["sales"]
    assert "Wang Fang" not in client.get(reverse("crm:pool")).content.decode()


def test_the_loser_of_a_pool_race_gets_their_note_back_and_nothing_is_written(book, crm_people, as_user, client):
    client.force_login(crm_people["sales2"])
    client.post(
        reverse("crm:customer_contact", args=[book["pool"].pk]),
        {"channel": "phone", "outcome": "interested", "content": "first", "from_pool": "on"},
    )
    client.force_login(crm_people["sales"])
    page = client.post(
        reverse("crm:customer_contact", args=[book["pool"].pk]),
        {"channel": "phone", "outcome": "interested", "content": "mine too", "from_pool": "on"},
        follow=True,
    )
    shown = page.content.decode()
    assert "A colleague contacted this prospect first" in shown and "mine too" in shown
    assert not Communication.objects.filter(customer=book["pool"], content="mine too").exists()


def test_customer_detail_masks_identity_for_a_pool_viewer(book, crm_people, as_user):
    html = as_user(crm_people["sales"]).get(reverse("crm:customer", args=[book["pool"].pk])).content.decode()
    assert "310101198505054321" not in html and "•••" in html
    html = as_user(crm_people["manager"]).get(reverse("crm:customer", args=[book["pool"].pk])).content.decode()
    assert "310101198505054321" in html


def test_editing_a_customer_records_history_on_the_page(book, crm_people, as_user):
    client = as_user(crm_people["sales"])
    phone = book["mine"].phones.get().number
    client.post(
        reverse("crm:customer_edit", args=[book["mine"].pk]),
        {"name": "李伟", "phones": phone, "gender": "male", "source": "walk_in", "intent_level": "high"},
    )
    html = client.get(reverse("crm:customer", args=[book["mine"].pk])).content.decode()
    assert "Intent level" in html and "<td>High</td>" in html  # the label, not the stored code


def test_a_vin_with_a_wrong_check_digit_asks_for_confirmation(stores, crm_people, as_user):
    client = as_user(crm_people["sales"])
    data = {
        "vin": "LSVAB2BM1PN000001",
        "brand": "VW",
        "model": "Passat",
        "vehicle_type": "sedan",
        "year": 2021,
        "mileage": 30000,
        "asking_price": 120000,
    }
    page = client.post(reverse("crm:vehicle_new"), data)
    assert "check digit" in page.content.decode() and not Vehicle.objects.exists()
    page = client.post(reverse("crm:vehicle_new"), {**data, "confirm_vin": "on"})
    assert page.status_code == 302 and Vehicle.objects.get().vin == "LSVAB2BM1PN000001"


@pytest.mark.parametrize("vin,message", [("LSVAB2BM1PN00001", "has 16"), ("LSVAB2BM1PN00000I", "cannot contain I")])
def test_a_bad_vin_is_refused_naming_the_problem(stores, crm_people, as_user, vin, message):
    page = as_user(crm_people["sales"]).post(
        reverse("crm:vehicle_new"),
        {
            "vin": vin,
            "brand": "VW",
            "model": "Passat",
            "vehicle_type": "sedan",
            "year": 2021,
            "mileage": 1,
            "asking_price": 1,
        },
    )
    assert message in page.content.decode() and not Vehicle.objects.exists()


def test_vehicle_search_page_filters_stock(stock, crm_people, as_user):
    html = as_user(crm_people["sales"]).get(reverse("crm:vehicles"), {"vehicle_type": "suv"}).content.decode()
    assert "RAV4" in html and "CR-V" in html and "Camry" not in html


def test_pages_need_a_login(client, book):
    page = client.get(reverse("crm:customer", args=[book["mine"].pk]))
    assert page.status_code == 302 and "/login/" in page["Location"]
