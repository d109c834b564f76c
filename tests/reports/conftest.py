"""A known month of data (October 2026, Shanghai time) in two stores of 华东 and one of 华南, with a month
before it and the same month a year earlier, so every figure of the reports can be counted by hand."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from portal.crm.models import Appointment, ChangeRecord, Communication, Complaint, FollowUpPlan, ReturnVisit
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory
from tests.helpers import make_staff, make_store

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def at(day: str, clock: str = "10:00") -> datetime:
    """A moment in Shanghai time."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def month(people, stores):
    """The known month. Returns the people, stores and a few records the tests change."""
    pudong, westlake = stores
    tianhe = make_store("广州天河店", "华南")
    p = dict(people)
    p["tianhe_sales"] = make_staff("tianhe_sales", tianhe, ["sales"])
    sales, sales2, other = p["sales"], p["sales2"], p["other_sales"]

    def customer(store, owner, when, **kw):
        return CustomerFactory(home_store=store, owner=owner, created_at=when, **kw)

    def order(store, seller, buyer, when, price, **kw):
        car = VehicleFactory(store=store, status="reserved")
        return OrderFactory(
            store=store, salesperson=seller, customer=buyer, vehicle=car, created_at=when, price=price, **kw
        )

    # 上海浦东店, October: 4 prospects (the last at 23:30 on the 31st; one at 00:30 on 1 November is not
    # October's), 6 communications, 2 visits booked (+1 service appointment, not a visit), 2 deals
    # (+1 cancelled order).
    a = customer(pudong, sales, at("2026-10-02"), source="website", intent_level="high")
    b = customer(pudong, sales, at("2026-10-10"), source="walk_in")
    c = customer(pudong, sales, at("2026-10-31", "23:30"), source="referral")
    d = customer(pudong, sales2, at("2026-10-15"), source="website")
    customer(pudong, sales, at("2026-11-01", "00:30"), source="website")
    for who, person, day in [
        (a, sales, "03"),
        (a, sales, "04"),
        (b, sales, "11"),
        (b, sales, "12"),
        (c, sales, "31"),
        (d, sales2, "16"),
    ]:
        Communication.objects.create(
            customer=who, author=person, channel="phone", at=at(f"2026-10-{day}"), content="call", outcome="interested"
        )
    Communication.objects.create(
        customer=a, author=sales, channel="phone", at=at("2026-11-01", "00:10"), content="call", outcome="interested"
    )
    Appointment.objects.create(customer=a, store=pudong, kind="visit", at=at("2026-10-05"), created_by=sales)
    Appointment.objects.create(customer=b, store=pudong, kind="test_drive", at=at("2026-10-13"), created_by=sales)
    Appointment.objects.create(customer=b, store=pudong, kind="service", at=at("2026-10-14"), created_by=sales)
    deal_a = order(pudong, sales, a, at("2026-10-04", "15:00"), 100_000)  # a Sunday
    order(pudong, sales, b, at("2026-10-05", "09:00"), 150_000)  # the Monday after
    order(pudong, sales2, d, at("2026-10-20"), 90_000, status="cancelled")
    # The month before (1 deal) and the same month a year earlier (2 deals) in 上海浦东店.
    old = customer(pudong, sales, at("2025-09-01"))
    order(pudong, sales, old, at("2026-09-20"), 120_000)
    order(pudong, sales, old, at("2025-10-08"), 80_000)
    order(pudong, sales, old, at("2025-10-09"), 70_000)
    # 杭州西湖店, October: 2 prospects, 2 communications, 1 visit, 1 deal.
    e = customer(westlake, other, at("2026-10-06"), source="car_show")
    f = customer(westlake, other, at("2026-10-07"), source="social_media")
    for who in (e, f):
        Communication.objects.create(
            customer=who, author=other, channel="wechat", at=at("2026-10-08"), content="hi", outcome="interested"
        )
    Appointment.objects.create(customer=e, store=westlake, kind="visit", at=at("2026-10-09"), created_by=other)
    order(westlake, other, e, at("2026-10-21"), 200_000)
    # 广州天河店 (华南), October: 1 prospect, 1 deal.
    g = customer(tianhe, p["tianhe_sales"], at("2026-10-03"))
    order(tianhe, p["tianhe_sales"], g, at("2026-10-22"), 60_000)

    # The scorecard of `sales` in October: 2 follow-ups due (1 on time, 1 late), 1 prospect lost to the
    # pool, 2 return visits scored 4 and 5, 1 complaint.
    FollowUpPlan.objects.create(
        customer=a,
        owner=sales,
        due_at=at("2026-10-06"),
        method="phone",
        purpose="x",
        done=True,
        done_at=at("2026-10-06", "09:00"),
    )
    FollowUpPlan.objects.create(
        customer=b,
        owner=sales,
        due_at=at("2026-10-14"),
        method="phone",
        purpose="x",
        done=True,
        done_at=at("2026-10-16"),
    )
    lost = customer(pudong, None, at("2026-08-01"))
    ChangeRecord.objects.create(
        entity="customer",
        entity_id=lost.pk,
        field="owner",
        old_value=f"{sales.pk}:sales",
        new_value="",
        at=at("2026-10-25"),
        note="returned to the pool: no contact",
    )
    for score in (4, 5):
        ReturnVisit.objects.create(
            customer=a,
            store=pudong,
            kind="after_delivery",
            due=at("2026-10-20").date(),
            done_by=sales,
            done_at=at("2026-10-20"),
            satisfaction_score=score,
            status="done",
        )
    Complaint.objects.create(
        customer=a,
        store=pudong,
        channel="phone",
        category="Delivery late",
        severity="high",
        description="late",
        created_at=at("2026-10-21"),
        deadline=timezone.now() - timedelta(days=1),
    )
    Complaint.objects.create(
        customer=e,
        store=westlake,
        channel="phone",
        category="Delivery late",
        severity="low",
        description="late",
        created_at=at("2026-10-22"),
        status="resolved",
    )
    Complaint.objects.create(
        customer=e,
        store=westlake,
        channel="phone",
        category="Delivery late",
        severity="low",
        description="late",
        created_at=at("2026-09-22"),
        status="closed",
    )
    # Stock now: 上海浦东店 holds cars 10, 45 and 100 days old (and the reserved cars of its orders).
    now = timezone.now()
    for age in (10, 45, 100):
        VehicleFactory(
            store=pudong,
            created_at=now - timedelta(days=age),
            arrived_at=now - timedelta(days=age),
            brand="Honda",
            model="Accord",
        )
    return {"people": p, "stores": (pudong, westlake, tianhe), "deal_a": deal_a, "customer_a": a}
