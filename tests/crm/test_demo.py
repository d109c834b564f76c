"""The demo set: three stores in two regions, every role, a real customer book; safe to run twice.

The set is seeded once for this module (tests/demo_data.py); each test's writes are rolled back.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from engine.models import ItemStatus, WorkItem
from portal.crm.models import Communication, Customer, FollowUpPlan, Order, OrderStatus, Staff, Store, Vehicle
from portal.crm.scopes import customers_visible_to
from portal.ui.people import display_name
from tests.demo_data import demo_set  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("demo_set")


def _counts() -> tuple[int, ...]:
    return Customer.objects.count(), Vehicle.objects.count(), Order.objects.count(), Staff.objects.count()


def test_the_demo_set_has_two_regions_every_role_and_a_customer_book(db):
    assert set(Store.objects.values_list("region", flat=True)) == {"华东", "华南"}
    assert Staff.objects.count() == 17 and Customer.objects.count() == 300
    assert Communication.objects.exists() and FollowUpPlan.objects.exists()
    assert set(Order.objects.values_list("status", flat=True)) == {
        OrderStatus.OPEN,
        OrderStatus.PAID,
        OrderStatus.DELIVERED,
    }
    assert Customer.objects.filter(owner__isnull=True).exists()


def test_seeding_the_demo_again_changes_nothing(db):
    counts = _counts()
    call_command("seed_demo")
    assert _counts() == counts


def test_demo_logins_see_their_part(db, client):
    sales = get_user_model().objects.get(username="pudong_sales1")
    assert sales.check_password("lotflow")
    visible = customers_visible_to(sales)
    assert 0 < visible.count() < Customer.objects.count()
    signed_in = client.post("/login/", {"username": "pudong_sales1", "password": "lotflow"})
    assert signed_in.status_code == 302
    assert client.get("/crm/customers/").status_code == 200


def test_the_demo_gives_every_inbox_work_and_can_run_again(settings, db):
    from portal.crm.demo_work import demo_work
    from tests.helpers import deploy

    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"))
    first = demo_work()
    demo_work()
    assert first[0] == "demo work: 12 follow-up process(es) started"
    assert WorkItem.objects.filter(kind="reminder").exists()
    assert WorkItem.objects.filter(element_id="Contact", status=ItemStatus.OPEN).count() >= 12


def test_the_demo_reads_like_a_chinese_dealer_group(db):
    from portal.crm.brands import brand_chinese, model_chinese

    assert sorted(Store.objects.values_list("name", flat=True)) == ["上海浦东店", "广州天河店", "杭州西湖店"]
    assert all("市" in address for address in Store.objects.values_list("address", flat=True))
    cars = list(Vehicle.objects.values_list("brand", "model"))
    assert cars and all(brand_chinese(brand) and model_chinese(brand, model) for brand, model in cars)


def test_every_demo_login_has_a_chinese_name_and_no_two_salespeople_share_one(db):
    staff = get_user_model().objects.filter(staff__isnull=False)
    names = {user.username: display_name(user) for user in staff}
    assert all(name and not name.isascii() for name in names.values())
    sales = [names[u] for u in staff.filter(staff__roles__role="sales").values_list("username", flat=True)]
    assert len(sales) == 6 and len(set(sales)) == len(sales)
    assert len(set(names.values())) == len(names)


def test_demo_customers_are_found_by_part_of_their_name_and_by_chinese_brand(db):
    from portal.crm.selectors import customer_search

    hq = get_user_model().objects.get(username="hq")
    someone = Customer.objects.filter(name__regex=r"^.{3}$").order_by("pk").first()
    assert someone in customer_search(hq, someone.name[1:])
    buyer = Vehicle.objects.filter(customer__isnull=False, brand="Toyota").first()
    if buyer is not None:
        assert buyer.customer in customer_search(hq, "丰田")
