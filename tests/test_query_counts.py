"""The number of queries of the main pages and API lists, pinned.

Each page is read with a few rows of everything it lists, then again after more
rows were added: the count is the same both times, so a query per row (an N+1)
fails here rather than showing as a slow page. A change that adds a query on
purpose updates the number below.
"""

import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from engine import api
from portal.crm.models import (
    Appointment,
    Attachment,
    ChangeRecord,
    Communication,
    Complaint,
    FollowUpPlan,
    InsurancePolicy,
    MaintenancePlan,
    MembershipCard,
    Payment,
    ReturnVisit,
    ServiceRecord,
    Tag,
    VehiclePhoto,
)
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory
from tests.helpers import deploy, make_staff, only_item

_serial = itertools.count(1)


class World:
    """Rows of every kind the pages list, in 上海浦东店, seen by its sales and manager."""

    def __init__(self, people, stores):
        self.people, self.store = people, stores[0]
        self.sales, self.manager = people["sales"], people["manager"]
        self.customer = CustomerFactory(name="Li Wei", home_store=self.store, owner=self.sales)
        self.vehicle = VehicleFactory(store=self.store)
        deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"))
        self.item = None

    def grow(self, n: int) -> None:
        now = timezone.now()
        for _ in range(n):
            k = next(_serial)
            owned = CustomerFactory(home_store=self.store, owner=self.sales, last_contact_at=now)
            owned.tags.add(Tag.objects.create(name=f"tag {k}"))
            CustomerFactory(home_store=self.store, owner=None)
            car = VehicleFactory(store=self.store)
            self._vehicle_records(car, k)
            self._vehicle_records(self.vehicle, k)
            self._customer_records(owned, car, k, now)
            self._customer_records(self.customer, car, k, now)
            make_staff(f"staff{k}", self.store, ["sales"])
            started = api.start(
                "lead_followup",
                business_key=f"cust-{owned.pk}",
                user=self.manager,
                data={
                    "store_id": self.store.pk,
                    "customer_id": owned.pk,
                    "customer_name": owned.name,
                    "phone": "13800000007",
                },
            )
            item = only_item(started.instance_id, "Contact")
            if self.item is None:
                self.item = api.claim(item.pk, user=self.sales)

    def _vehicle_records(self, car, k: int) -> None:
        VehiclePhoto.objects.create(
            vehicle=car,
            filename="car.jpg",
            content_type="image/jpeg",
            size=1,
            sha256="0" * 64,
            storage_name=f"photo-{k}-{car.pk}",
            uploaded_by=self.sales,
        )
        ServiceRecord.objects.create(
            vehicle=car, date=timezone.now().date(), mileage=1000 * k, work_done="Oil change", cost=300
        )

    def _after_sale(self, customer, k: int, now) -> None:
        """A car sold to the customer with its plan, both policies, a service record and a return visit."""
        bought = VehicleFactory(store=self.store, customer=customer, status="sold")
        MaintenancePlan.objects.create(
            vehicle=bought, next_service_date=now.date() + timedelta(days=k), next_service_mileage=5000
        )
        for kind in ("compulsory", "commercial"):
            InsurancePolicy.objects.create(
                vehicle=bought, kind=kind, insurer="PICC", policy_number=f"P{k}{kind}", expires_on=now.date()
            )
        ServiceRecord.objects.create(vehicle=bought, date=now.date(), mileage=1000, work_done="Oil change", cost=300)
        ReturnVisit.objects.create(
            customer=customer,
            vehicle=bought,
            store=self.store,
            kind="after_delivery: 3 days after delivery",
            due=now.date(),
            satisfaction_score=5,
            status="done",
        )
        MembershipCard.objects.get_or_create(
            customer=customer,
            defaults={"number": f"LF{customer.pk:07d}", "issued_by": self.manager, "store": self.store},
        )

    def _customer_records(self, customer, car, k: int, now) -> None:
        Communication.objects.create(
            customer=customer, author=self.sales, channel="phone", content="Called", outcome="interested"
        )
        FollowUpPlan.objects.create(
            customer=customer, owner=self.sales, due_at=now + timedelta(days=k), method="phone", purpose="Call back"
        )
        Appointment.objects.create(
            customer=customer,
            store=self.store,
            kind="visit",
            at=now + timedelta(days=k),
            created_by=self.sales,
            vehicle=car,
        )
        order = OrderFactory(customer=customer, vehicle=car, store=self.store, salesperson=self.sales)
        Payment.objects.create(order=order, method="wechat_pay", amount=5000, handled_by=self.manager)
        Payment.objects.create(order=order, method="transfer", amount=145000, handled_by=self.manager)
        self._after_sale(customer, k, now)
        Complaint.objects.create(
            customer=customer,
            store=self.store,
            channel="phone",
            category="Paint",
            description="Scratch",
            handler=self.manager,
            vehicle=car,
        )
        Attachment.objects.create(
            customer=customer,
            kind="id_card",
            filename="id.png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
            storage_name=f"scan-{k}-{customer.pk}",
            uploaded_by=self.sales,
        )
        ChangeRecord.objects.create(
            entity="customer",
            entity_id=customer.pk,
            field="owner",
            old_value="",
            new_value=self.sales.username,
            actor=self.manager,
        )


@pytest.fixture
def world(people, stores):
    return World(people, stores)


def _pages(world):
    customer, vehicle = world.customer.pk, world.vehicle.pk
    return {
        "inbox": ("sales", reverse("inbox:inbox")),
        "work item": ("sales", reverse("inbox:item", args=[world.item.pk])),
        "customer list": ("sales", reverse("crm:customers")),
        "customer": ("sales", reverse("crm:customer", args=[customer])),
        "pool": ("sales", reverse("crm:pool")),
        "customer list, a manager filtering": (
            "manager",
            reverse("crm:customers") + f"?consulted_from=2020-01-01&sort=budget&store={world.store.pk}",
        ),
        "pool, hq filtering": ("hq", reverse("crm:pool") + "?sort=waiting&days_min=0&score_min=0"),
        "vehicle list": ("manager", reverse("crm:vehicles")),
        "vehicle": ("manager", reverse("crm:vehicle", args=[vehicle])),
        "staff list": ("manager", reverse("crm:staff_list")),
        "api customers": ("sales", "/api/v1/customers"),
        "api communications": ("sales", "/api/v1/communications"),
        "api follow-ups": ("sales", "/api/v1/follow-ups"),
        "api vehicles": ("manager", "/api/v1/vehicles"),
        "api orders": ("sales", "/api/v1/orders"),
    }


QUERIES = {
    # the inbox at scale: two grouped counts (the totals and the counts per process the filter offers, over
    # all open work, no longer the length of a 200-row list) and the notices read on their own (a page of
    # the lists no longer carries them)
    "inbox": 15,
    # the subject card: the customer with their phone (in scope), their grants, the appointment, the car;
    # where the step stands: the instance, its completed steps, its earliest timer; the viewer's grants once
    # more: whether they may read the dealer's cost in the step's values (portal.inbox.costs)
    "work item": 28,
    # and the viewer's grants once more (which stores and people the filters offer), the owner list;
    # every list of customers also records the phones it showed (portal.crm.reads: one insert)
    "customer list": 14,
    # and the store list, the salespeople a manager may reassign to, the chosen store checked, and the
    # grants once more for the filter
    "customer list, a manager filtering": 18,
    # 31, and one each for the payments of the orders, the cars sold to the customer, their policies,
    # their service records, the return visits, and the pool_reclaim rules in force (the days left
    # before the pool reclaims a prospect); the membership card comes with the customer's row;
    # and two for the cars a booking may name (the store's stock and the customer's own, in scope);
    # the record of what the page showed (one insert) and whether the viewer is an admin (who sees the reads);
    # the care panel (portal/care): the customer's last messages, their consent changes, the viewer's grants.
    "customer": 44,
    "pool": 13,  # and the grants once more: which stores the filter offers; the phones shown recorded
    "pool, hq filtering": 14,
    "vehicle list": 11,
    "vehicle": 18,
    "staff list": 11,
    "api customers": 9,  # and the record of the customers it showed (portal.crm.reads)
    "api communications": 5,
    "api follow-ups": 5,
    "api vehicles": 6,  # the grants, once: whether the reader may see the dealer's cost
    "api orders": 6,
}


@pytest.mark.parametrize("page", QUERIES)
def test_a_page_reads_with_the_same_queries_for_few_rows_and_for_more(page, world, client, django_assert_num_queries):
    world.grow(3)
    who, url = _pages(world)[page]
    client.force_login(world.people[who])
    assert client.get(url).status_code == 200  # the first request also fills per-process caches
    with django_assert_num_queries(QUERIES[page]):
        few = client.get(url)
    world.grow(5)
    client.get(url)
    with django_assert_num_queries(QUERIES[page]):
        more = client.get(url)
    assert (few.status_code, more.status_code) == (200, 200)
    if page != "work item":  # one item's page: the rows added are other items
        assert len(more.content) > len(few.content), "the rows added do not show: the count proves nothing"
