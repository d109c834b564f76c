"""The demo data set `make run` loads: a Chinese dealer group of 3 stores in 2 regions (华东, 华南),
17 staff in every role with real Chinese names, about 300 prospects and customers with contacts,
plans, vehicles and orders. Safe to run again: staff are kept as they are, and the book of
customers is only created while there is none.

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
# (name, region, address, login prefix, plate prefix). Logins keep their short Latin prefix
# (pudong_sales1); a demo set made before the stores had Chinese names is renamed in place.
STORES = [
    ("上海浦东店", "华东", "上海市浦东新区世纪大道88号", "pudong", "沪"),
    ("杭州西湖店", "华东", "杭州市西湖区南山路12号", "westlake", "浙"),
    ("广州天河店", "华南", "广州市天河区天河路208号", "tianhe", "粤"),
]
_OLD_STORE_NAMES = {"Pudong": "上海浦东店", "West Lake": "杭州西湖店", "Tianhe": "广州天河店"}
FULL_STORE_ROLES = [Role.SALES, Role.STORE_MANAGER, Role.FINANCE, Role.SERVICE, Role.COMPLAINTS]
SMALL_STORE_ROLES = [Role.SALES, Role.STORE_MANAGER]
GROUP_ROLES = [Role.HQ, Role.ADMIN]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚华玉兰萍红鹏辉俊峰宇浩婷雪琳晨欣怡"
# The staff, one name each (surname, given name), in the order seed_demo creates them: never two alike.
STAFF_NAMES = [
    ("陈", "志强"),
    ("林", "晓峰"),
    ("王", "建华"),
    ("赵", "丽娟"),
    ("孙", "海燕"),
    ("周", "文斌"),
    ("吴", "婷婷"),
    ("郑", "凯"),
    ("黄", "国栋"),
    ("徐", "静怡"),
    ("马", "俊杰"),
    ("何", "雪梅"),
    ("梁", "志明"),
    ("谢", "嘉欣"),
    ("罗", "振宇"),
    ("高", "明远"),
    ("唐", "思雨"),
]
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
    ("Nissan", "Sylphy", "sedan"),
    ("Geely", "Boyue", "suv"),
    ("Haval", "H6", "suv"),
]
PLATE_PREFIX = {name: plate for name, _, _, _, plate in STORES}
LOGIN_PREFIX = {name: login for name, _, _, login, _ in STORES}


def username_for(store: str, role: str, n: int = 1) -> str:
    prefix = LOGIN_PREFIX.get(store) or store.lower().replace(" ", "")
    return f"{prefix}_{role}" + (str(n) if role == Role.SALES else "")


@transaction.atomic
def seed_demo() -> list[str]:
    """Create (or keep) the demo stores and staff, and the customer book if there is none; returns usernames."""
    users = []
    names = iter(STAFF_NAMES)
    for old, new in _OLD_STORE_NAMES.items():
        if not Store.objects.filter(name=new).exists():
            Store.objects.filter(name=old).update(name=new)
    for index, (name, region, address, _, _) in enumerate(STORES):
        store, _ = Store.objects.update_or_create(name=name, defaults={"region": region, "address": address})
        for role in FULL_STORE_ROLES if index < 2 else SMALL_STORE_ROLES:
            for n in (1, 2) if role == Role.SALES else (1,):
                users.append(_staff(username_for(name, role, n), store, role, next(names), group_wide=False))
    for role in GROUP_ROLES:
        users.append(_staff(role.value, None, role, next(names), group_wide=True))
    if not Customer.objects.exists():
        _book(random.Random(2026))
    return users


def _staff(username: str, store: Store | None, role: str, name: tuple[str, str], *, group_wide: bool) -> str:
    """One demo login, named (family, given): last_name holds the family name (王), first_name the
    given name (建华), as the staff form asks for them; pages show 王建华 (portal.ui.people)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"last_name": name[0], "first_name": name[1]}
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
                reason="对方门店有客户想看这台车",
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
            condition="车况良好，后保险杠有轻微划痕",
            offered_price=52000,
            appraiser=manager,
        )
        AcquisitionRequest.objects.create(
            store=store,
            brand="Toyota",
            vehicle_type="suv",
            quantity=3,
            reason="SUV一周内就能卖掉，需要补货",
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
            "colour": rng.choice(["白色", "黑色", "银色", "蓝色", "红色"]),
            "mileage": rng.randrange(5, 150) * 1000,
            "asking_price": price,
            "purchase_price": int(price * 0.85),
            "plate": f"{PLATE_PREFIX.get(store.name, '沪')}{rng.choice('ABCDE')}{serial:05d}",
            "configuration": rng.choice(["标准版", "舒适版", "豪华版", "运动版"]),
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
        tags=rng.sample(["VIP", "家庭用车", "首次购车", "置换", "公司客户"], k=rng.randrange(0, 3)),
        fields={
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "gender": rng.choice(["male", "female"]),
            "source": rng.choice(["website", "social_media", "marketplace", "walk_in", "car_show", "referral"]),
            "intent_level": rng.choice(["high", "medium", "low"]),
            "vehicle_type": rng.choice(["sedan", "suv", "mpv"]),
            "brands": ", ".join(rng.sample(["丰田", "本田", "比亚迪", "大众", "宝马", "日产", "吉利"], k=2)),
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
                        "这周末想来店里看看SUV",
                        "咨询了贷款方案和首付比例",
                        "在和新车做比较，价格还要再谈",
                        "下次带家人一起来试驾",
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
                purpose="跟进报价，约到店时间",
            )
        if rng.random() < 0.15:
            contacts.appointment_book(
                customer_id=customer.pk,
                by=owner,
                kind="test_drive",
                at=now + timedelta(days=rng.randrange(1, 7)),
                intended_model="RAV4荣放",
                intended_configuration="舒适版",
            )
    return customer


def _after_sale(rng: random.Random, store: Store, vehicle, customer, now) -> None:
    for kind, insurer in (("compulsory", "中国人保"), ("commercial", rng.choice(["平安保险", "太平洋保险"]))):
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
            description="交车时间比约定晚了两个小时",
            deadline=now + timedelta(days=3),
        )
