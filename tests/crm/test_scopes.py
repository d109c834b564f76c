"""Who sees which customers, vehicles and orders (the selectors every route uses)."""

import pytest

from portal.crm.models import Complaint, VehicleStatus
from portal.crm.scopes import (
    can_see_identity,
    complaints_visible_to,
    customers_visible_to,
    orders_visible_to,
    vehicles_visible_to,
)
from tests.crm.factories import OrderFactory


def names(queryset):
    return sorted(c.name for c in queryset)


def test_a_salesperson_sees_their_own_and_their_store_pool(book, crm_people):
    assert names(customers_visible_to(crm_people["sales"])) == sorted(["李伟", "Wang Fang", "Zhao Lei"])


def test_a_store_manager_sees_the_whole_store(book, crm_people):
    assert names(customers_visible_to(crm_people["manager"])) == sorted(["李伟", "Zhang Min", "Wang Fang", "Zhao Lei"])


def test_hq_sees_everything(book, crm_people):
    assert customers_visible_to(crm_people["hq"]).count() == len(book)


def test_staff_without_a_matching_record_see_no_customers(book, crm_people):
    for who in ("finance", "service", "complaints"):
        assert names(customers_visible_to(crm_people[who])) == []


def test_finance_service_and_complaints_see_what_their_work_needs(book, stock, crm_people, stores):
    pudong, westlake = stores
    OrderFactory(customer=book["colleague"], vehicle=stock["rav4"], store=pudong, salesperson=crm_people["sales2"])
    stock["camry"].customer = book["closed"]
    stock["camry"].status = VehicleStatus.SOLD
    stock["camry"].save()
    Complaint.objects.create(
        customer=book["mine"], store=pudong, channel="phone", category="paint", description="scratch"
    )
    Complaint.objects.create(
        customer=book["other_store"], store=westlake, channel="phone", category="noise", description="rattle"
    )
    assert names(customers_visible_to(crm_people["finance"])) == ["Zhang Min"]
    assert names(customers_visible_to(crm_people["service"])) == ["Zhao Lei"]
    assert names(customers_visible_to(crm_people["complaints"])) == ["李伟"]
    assert [v.pk for v in vehicles_visible_to(crm_people["service"])] == [stock["camry"].pk]
    assert [c.customer.name for c in complaints_visible_to(crm_people["complaints"])] == ["李伟"]
    assert names(customers_visible_to(crm_people["hq_finance"])) == ["Zhang Min"]


def test_orders_follow_the_salesperson_and_the_store(book, stock, crm_people, stores):
    pudong, westlake = stores
    mine = OrderFactory(customer=book["mine"], vehicle=stock["camry"], store=pudong, salesperson=crm_people["sales"])
    theirs = OrderFactory(
        customer=book["other_store"], vehicle=stock["other"], store=westlake, salesperson=crm_people["other_sales"]
    )
    assert list(orders_visible_to(crm_people["sales"])) == [mine]
    assert list(orders_visible_to(crm_people["sales2"])) == []
    assert list(orders_visible_to(crm_people["finance"])) == [mine]
    assert set(orders_visible_to(crm_people["hq"])) == {mine, theirs}


def test_salespeople_see_their_store_and_every_store_stock(stock, crm_people):
    stock["other"].status = VehicleStatus.SOLD
    stock["other"].save()
    assert set(vehicles_visible_to(crm_people["sales"])) == {stock["camry"], stock["rav4"]}
    assert set(vehicles_visible_to(crm_people["other_sales"])) == {stock["camry"], stock["rav4"], stock["other"]}


@pytest.mark.parametrize(
    "who,sees", [("sales", True), ("sales2", False), ("manager", True), ("hq", True), ("other_manager", False)]
)
def test_identity_is_for_the_owner_the_manager_and_hq(book, crm_people, who, sees):
    assert can_see_identity(crm_people[who], book["mine"]) is sees


def test_inactive_staff_see_nothing(book, crm_people):
    crm_people["sales"].staff.active = False
    crm_people["sales"].staff.save()
    assert customers_visible_to(crm_people["sales"]).count() == 0
