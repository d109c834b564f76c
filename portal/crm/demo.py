"""The demo data set `make run` loads: 3 stores in 2 regions, 17 staff in every role, about 300
prospects and customers with contacts, plans, vehicles and orders. Safe to run again: staff are
kept as they are, and the book of customers is only created while there is none.

Every demo user's password is ``lotflow`` (a demo machine only; listed in the README).
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .identifiers import vin_check_digit
from .models import (
    AcquisitionRequest,
    Appraisal,
    Complaint,
    Customer,
    InsurancePolicy,
    ReturnVisit,
    Role,
    Staff,
    StaffRole,
    Store,
    Transfer,
)
from .services import contacts, customers, vehicles
from .services.common import user_by_username

DEMO_PASSWORD = "lotflow"
STORES = [
    ("Pudong", "East", "88 Century Ave, Shanghai"),
    ("West Lake", "East", "12 Nanshan Rd, Hangzhou"),
    ("Tianhe", "South", "208 Tianhe Rd, Guangzhou"),
]
FULL_STORE_ROLES = [Role.SALES, Role.STORE_MANAGER, Role.FINANCE, Role.SERVICE, Role.COMPLAINTS]
SMALL_STORE_ROLES = [Role.SALES, Role.STORE_MANAGER]
GROUP_ROLES = [Role.HQ, Role.ADMIN]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚华玉兰萍红鹏辉俊峰宇浩婷雪琳晨欣怡"
CARS = [
    ("Toyota", "Camry", "sedan"),
    ("Toyota", "RAV4", "suv"),
    ("Honda", "Accord", "sedan"),
    ("Honda", "CR-V", "suv"),
    ("Volkswagen", "Passat", "sedan"),
    ("Volkswagen", "Tiguan", "suv"),
    ("BYD", "Han", "sedan"),
    ("BYD", "Tang", "suv"),
    ("Buick", "GL8", "mpv"),
    ("BMW", "3 Series", "sedan"),
]
PLATE_PREFIX = {"Pudong": "沪", "West Lake": "浙", "Tianhe": "粤"}


def username_for(store: str, role: str, n: int = 1) -> str:
    prefix = store.lower().replace(" ", "")
    return f"{prefix}_{role}" + (str(n) if role == Role.SALES else "")


@transaction.atomic
def seed_demo() -> list[str]:
    """Create (or keep) the demo stores and staff, and the customer book if there is none; returns usernames."""
    users = []
    for index, (name, region, address) in enumerate(STORES):
        store, _ = Store.objects.get_or_create(name=name, defaults={"region": region, "address": address})
        for role in FULL_STORE_ROLES if index < 2 else SMALL_STORE_ROLES:
            for n in (1, 2) if role == Role.SALES else (1,):
                users.append(_staff(username_for(name, role, n), store, role, group_wide=False))
    for role in GROUP_ROLES:
        users.append(_staff(role.value, None, role, group_wide=True))
    if not Customer.objects.exists():
        _book(random.Random(2026))
    return users


def _staff(username: str, store: Store | None, role: str, *, group_wide: bool) -> str:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={"first_name": username.split("_")[0].title(), "last_name": role.replace("_", " ").title()},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.save()
    staff, _ = Staff.objects.get_or_create(user=user, defaults={"store": store})
    StaffRole.objects.get_or_create(staff=staff, role=role, defaults={"group_wide": group_wide})
    return username


def _book(rng: random.Random) -> None:
    now = timezone.now()
    phone = iter(range(13900000000 + rng.randrange(1000) * 10000, 14000000000))
    serial = iter(range(1, 100000))
    for store in Store.objects.order_by("pk"):
        manager = user_by_username(username_for(store.name, Role.STORE_MANAGER))
        sales = [user_by_username(username_for(store.name, Role.SALES, n)) for n in (1, 2)]
        stock = [_vehicle(rng, store, manager, next(serial)) for _ in range(30)]
        book = [_customer(rng, store, manager, sales, str(next(phone)), now) for _ in range(100)]
        owned = [c for c in book if c.owner_id]
        finance = get_user_model().objects.filter(staff__store=store, staff__roles__role=Role.FINANCE).first()
        for number, customer in enumerate(owned[:12]):
            vehicle = stock.pop()
            order = vehicles.order_create(
                by=manager,
                customer_id=customer.pk,
                vehicle_id=vehicle.pk,
                price=vehicle.asking_price - rng.choice([0, 2000, 5000]),
                deposit=5000,
                delivery_at=now + timedelta(days=rng.randrange(3, 20)),
                delivery_place=store.address,
            )
            if number % 3 != 0:
                vehicles.payment_record(order_id=order.pk, by=finance or manager, method="transfer", amount=order.price)
            if number % 3 == 2:
                vehicles.order_deliver(order_id=order.pk, by=manager)
                _after_sale(rng, store, vehicle, customer, now)
        other_store = Store.objects.exclude(pk=store.pk).first()
        if other_store is not None:
            Transfer.objects.create(
                vehicle=stock[0],
                from_store=store,
                to_store=other_store,
                reason="Customer in the other store wants it",
                requested_by=manager,
            )
        Appraisal.objects.create(
            store=store,
            seller_name="赵先生",
            seller_phone="13700000000",
            vin=_vin(next(serial)),
            brand="Nissan",
            model="Sylphy",
            mileage=88000,
            condition="Good, small scratch on the rear bumper",
            offered_price=52000,
            appraiser=manager,
        )
        AcquisitionRequest.objects.create(
            store=store,
            brand="Toyota",
            vehicle_type="suv",
            quantity=3,
            reason="SUVs sell within a week",
            requested_by=manager,
        )


def _vin(serial: int) -> str:
    body = f"LDC{serial:05d}0PB{serial:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _vehicle(rng: random.Random, store: Store, by, serial: int):
    brand, model, kind = rng.choice(CARS)
    year = rng.randrange(2015, 2025)
    price = rng.randrange(60, 350) * 1000
    return vehicles.vehicle_create(
        by=by,
        store=store,
        fields={
            "vin": _vin(serial),
            "engine_number": f"EN{serial:07d}",
            "brand": brand,
            "model": model,
            "vehicle_type": kind,
            "year": year,
            "colour": rng.choice(["white", "black", "silver", "blue", "red"]),
            "mileage": rng.randrange(5, 150) * 1000,
            "asking_price": price,
            "purchase_price": int(price * 0.85),
            "plate": f"{PLATE_PREFIX.get(store.name, '沪')}{rng.choice('ABCDE')}{serial:05d}",
            "configuration": rng.choice(["Standard", "Comfort", "Luxury", "Sport"]),
        },
    )


def _customer(rng: random.Random, store: Store, manager, sales, number: str, now):
    owner = rng.choice(sales) if rng.random() < 0.7 else None
    low = rng.choice([50, 80, 100, 150, 200]) * 1000
    customer = customers.customer_create(
        by=manager,
        home_store=store,
        owner=owner,
        phones=[number],
        tags=rng.sample(["vip", "family", "first car", "trade-in", "company"], k=rng.randrange(0, 3)),
        fields={
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "gender": rng.choice(["male", "female"]),
            "source": rng.choice(["website", "social_media", "marketplace", "walk_in", "car_show", "referral"]),
            "intent_level": rng.choice(["high", "medium", "low"]),
            "vehicle_type": rng.choice(["sedan", "suv", "mpv"]),
            "brands": ", ".join(rng.sample(["Toyota", "Honda", "BYD", "Volkswagen", "BMW"], k=2)),
            "budget_min": low,
            "budget_max": low + rng.choice([50, 100]) * 1000,
            "use": rng.choice(["personal", "business", "investment"]),
            "expected_purchase_by": (now + timedelta(days=rng.randrange(7, 180))).date(),
        },
    )
    if owner is not None:
        for _ in range(rng.randrange(1, 4)):
            contacts.communication_record(
                customer_id=customer.pk,
                by=owner,
                channel=rng.choice(["phone", "wechat", "visit"]),
                outcome=rng.choice(["interested", "follow_up", "booked"]),
                content=rng.choice(
                    [
                        "Wants to see SUVs this weekend",
                        "Asked about loan terms",
                        "Comparing with a new car",
                        "Will bring family for a test drive",
                    ]
                ),
                at=now - timedelta(days=rng.randrange(0, 60), hours=rng.randrange(0, 10)),
            )
        if rng.random() < 0.6:
            contacts.follow_up_plan_create(
                customer_id=customer.pk,
                by=owner,
                due_at=now + timedelta(days=rng.randrange(-3, 10)),
                method=rng.choice(["phone", "wechat"]),
                purpose="Next step on the offer",
            )
        if rng.random() < 0.15:
            contacts.appointment_book(
                customer_id=customer.pk,
                by=owner,
                kind="test_drive",
                at=now + timedelta(days=rng.randrange(1, 7)),
                intended_model="RAV4",
                intended_configuration="Comfort",
            )
    return customer


def _after_sale(rng: random.Random, store: Store, vehicle, customer, now) -> None:
    for kind, insurer in (("compulsory", "PICC"), ("commercial", rng.choice(["Ping An", "CPIC"]))):
        InsurancePolicy.objects.create(
            vehicle=vehicle,
            kind=kind,
            insurer=insurer,
            expires_on=(now + timedelta(days=rng.randrange(30, 365))).date(),
        )
    ReturnVisit.objects.create(
        customer=customer, vehicle=vehicle, store=store, kind="after_delivery", due=(now + timedelta(days=7)).date()
    )
    if rng.random() < 0.5:
        Complaint.objects.create(
            customer=customer,
            vehicle=vehicle,
            store=store,
            channel="phone",
            category="delivery",
            severity="medium",
            description="Delivery was two hours late",
            deadline=now + timedelta(days=3),
        )
