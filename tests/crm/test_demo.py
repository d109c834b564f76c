"""The demo set: three stores in two regions, every role, a real customer book; safe to run twice."""

from django.core.management import call_command

from portal.crm.models import Communication, Customer, FollowUpPlan, Order, OrderStatus, Staff, Store, Vehicle
from portal.crm.scopes import customers_visible_to


def test_seed_demo_twice_gives_one_demo_set(db):
    call_command("seed_demo")
    counts = (Customer.objects.count(), Vehicle.objects.count(), Order.objects.count(), Staff.objects.count())
    call_command("seed_demo")
    assert (Customer.objects.count(), Vehicle.objects.count(), Order.objects.count(),
            Staff.objects.count()) == counts
    assert set(Store.objects.values_list("region", flat=True)) == {"East", "South"}
    assert Staff.objects.count() == 17 and Customer.objects.count() == 300
    assert Communication.objects.exists() and FollowUpPlan.objects.exists()
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.OPEN, OrderStatus.PAID,
                                                                   OrderStatus.DELIVERED}
    assert Customer.objects.filter(owner__isnull=True).exists()


def test_demo_logins_see_their_part(db, client):
    call_command("seed_demo")
    from django.contrib.auth import get_user_model

    sales = get_user_model().objects.get(username="pudong_sales1")
    assert sales.check_password("lotflow")
    visible = customers_visible_to(sales)
    assert 0 < visible.count() < Customer.objects.count()
    client.login(username="pudong_sales1", password="lotflow")
    assert client.get("/crm/customers/").status_code == 200
