"""People see words, not codes: the first step of each shipped process, started with stored codes and
ISO stamps in its data, shows labels and local times in its instructions, in Chinese and in English."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from engine import api, clock
from engine.api import ItemStatus, WorkItem
from engine.models import ProcessInstance
from portal.crm.models import Appointment, Vehicle
from portal.crm.services.leads import lead_receive
from portal.crm.services.vehicles import order_create, order_deliver, payment_record
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import deploy, make_staff, only_item

from .conftest import signed_in, text_of

PROCESS_DIR = settings.LOTFLOW["PROCESS_DIR"]
# The processes that start from data alone; lead_to_cash, order_change and return_visit read
# CRM records at their start (a lead intake, an order, a visit plan) and are walked below.
SHIPPED = ["complaint", "lead_followup", "vehicle_acquisition", "vehicle_transfer"]
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Stored choice codes the shipped processes carry; none may reach a page.
CODES = ("vehicle_quality", "test_drive", "trade_in", "walk_in")
DATA = {
    "customer_id": 7,
    "customer_name": "陈志远",
    "phone": "13800000007",
    "order_id": 37,
    "vehicle_type": "suv",
    "severity": "high",
    "category": "vehicle_quality",
    "source": "walk_in",
    "next_step": "test_drive",
    "appointment_at": "2026-12-06T10:00:00+08:00",
    "delivery_date": "2026-12-20",
    "requested_date": "2026-12-08",
    "price": 150000,
    "deposit": 5000,
    "lead_id": None,
    "draft": False,
    "seller_name": "王芳",
    "wanted": "",
    "vehicle_label": "Toyota Camry",
    "vehicle_names": {"en": "Toyota Camry", "zh": "丰田 凯美瑞"},
    "reason": "",
    "requested_by": "manager",
    "transfer_id": 5,
    "from_store_name": "杭州西湖店",
    "to_store_name": "上海浦东店",
}


@pytest.mark.parametrize("process_id", SHIPPED)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_shipped_processs_first_step_shows_no_code_and_no_iso_stamp(process_id, language, people, stores):
    deploy(str(PROCESS_DIR / f"{process_id}.bpmn"))
    try:
        result = api.start(
            process_id,
            user=people["admin"],
            data={"store_id": stores[0].pk, "from_store_id": stores[1].pk, "to_store_id": stores[0].pk, **DATA},
        )
    except api.EngineError as refused:
        pytest.fail(f"{process_id} did not start with the test data: {refused}")
    items = WorkItem.objects.filter(instance_id=result.instance_id, status=ItemStatus.OPEN, kind="task")
    assert items, f"{process_id} opened no step"
    for item in items:
        shown = read_in(people["admin"], reverse("inbox:item", args=[item.pk]), language)
        assert not ISO_STAMP.search(shown), f"{process_id}/{item.element_id}: {ISO_STAMP.search(shown)}"
        for code in CODES:
            assert code not in shown, f"{process_id}/{item.element_id} shows {code}"


def test_a_steps_answers_are_named_by_their_forms_titles_in_the_readers_language(db):
    from engine.api import Deployment
    from portal.inbox.values import field_titles

    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))
    deployment = Deployment.objects.filter(process_id="lead_to_cash").latest("version").pk
    assert field_titles(deployment, "zh-hans")["payment_plan"] == "付款方式"
    assert field_titles(deployment, "en")["payment_plan"] == "Payment"


def test_a_car_a_step_named_by_its_id_shows_by_its_name_in_the_history(stores):
    from portal.inbox.selectors import _car_names, _details
    from tests.crm.factories import VehicleFactory

    car = VehicleFactory(store=stores[0], brand="Toyota", model="Camry", year=2020)
    event = {"action": "completed", "data": {"data": {"vehicle_id": car.pk, "price": 148000}}}
    with translation.override("zh-hans"):
        details = dict(_details(event, {}, {"vehicle_id": "车辆"}, _car_names([event])))
    assert details["车辆"] == "丰田 凯美瑞 2020"


# -- the processes that start from CRM records, walked step by step ----------------------

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
ENGLISH_WORD = re.compile(r"\b(Order|Customer|Car|Vehicle|Transfer)\b", re.I)
MORE_CODES = (*CODES, "delivery_date", "loan_approved", "payment_method")
# Codes that are also English words: a Chinese page may not show them at all.
CHINESE_PAGE_CODES = ("interested", "suv", "full", "loan", "card", "True", "False")


def read_in(user, url: str, language: str) -> str:
    """A page as ``user`` reads it in ``language`` (their saved choice, read when they sign in)."""
    user.staff.language = language
    user.staff.save(update_fields=["language"])
    return text_of(signed_in(user).get(url).content.decode())


def _check_pages(reader, instance_id: int, process_id: str) -> dict[str, dict[str, str]]:
    """Every open step of the instance read in Chinese and English: no code, no ISO stamp.
    Returns element id -> language -> the page's text."""
    pages: dict[str, dict[str, str]] = {}
    items = WorkItem.objects.filter(instance_id=instance_id, status=ItemStatus.OPEN, kind="task")
    assert items, f"{process_id} has no open step"
    for item in items:
        # A subject is stored once for every reader: names and numbers, no English words.
        assert not ENGLISH_WORD.search(item.subject_label), f"{process_id}/{item.element_id}: {item.subject_label!r}"
        for language in ("zh-hans", "en"):
            shown = read_in(reader, reverse("inbox:item", args=[item.pk]), language)
            where = f"{process_id}/{item.element_id} ({language})"
            assert not ISO_STAMP.search(shown), f"{where}: {ISO_STAMP.search(shown)}"
            for code in MORE_CODES:
                assert code not in shown, f"{where} shows {code}"
            if language == "zh-hans":
                for code in CHINESE_PAGE_CODES:
                    assert not re.search(rf"\b{code}\b", shown), f"{where} shows {code}"
            pages.setdefault(item.element_id, {})[language] = shown
    return pages


def _done(instance_id: int, element: str, user, **data) -> None:
    api.complete(only_item(instance_id, element).pk, user=user, data=data)


@pytest.fixture
def sale(people, stores):
    clock.freeze(START)
    for name in ("lead_to_cash", "order_change", "return_visit"):
        deploy(str(PROCESS_DIR / f"{name}.bpmn"))
    people["service"] = make_staff("service", stores[0], ["service"])
    customer = CustomerFactory(name="陈志远", home_store=stores[0], owner=people["sales"])
    car = VehicleFactory(store=stores[0], brand="Toyota", model="Camry", asking_price=150000)
    return customer, car


def test_every_step_of_a_sale_shows_words_and_amounts_as_people_write_them(sale, people):
    customer, car = sale
    iid = lead_receive(name=customer.name, phone=customer.phones.get().number, channel="api").process_instance_id
    steps = [
        ("FirstContact", "sales", {"outcome": "interested", "notes": "想要一辆家用轿车"}),
        (
            "Qualify",
            "sales",
            {
                "intent_level": "high",
                "vehicle_type": "suv",
                "budget_max": 200000,
                "needs": "一家四口",
                "next_step": "test_drive",
            },
        ),
        ("BookAppointment", "sales", {"appointment_at": "2026-11-04T10:00:00+08:00", "model": "凯美瑞"}),
        ("AppointmentOutcome", "sales", {"visit_result": "quote", "impressions": "喜欢后备箱"}),
        (
            "Quote",
            "sales",
            {
                "vehicle_id": car.pk,
                "price": 148000,
                "payment_plan": "full",
                "deposit": 5000,
                "delivery_date": "2026-11-20",
                "decision": "order",
            },
        ),
        ("RecordDeposit", "finance", {"deposit_method": "card"}),
        ("Balance", "finance", {"balance_outcome": "loan_approved", "balance_method": "loan"}),
        ("PrepareVehicle", "service", {"inspected": True, "cleaned": True, "documents_ready": True}),
        ("Deliver", "sales", {"delivered_at": "2026-11-20T10:30:00+08:00", "delivery_place": "展厅"}),
    ]
    seen: dict[str, dict[str, str]] = {}
    for element, who, data in steps:
        seen.update(_check_pages(people["admin"], iid, "lead_to_cash"))
        _done(iid, element, people[who], **data)
    seen.update(_check_pages(people["admin"], iid, "lead_to_cash"))
    assert "148,000 元" in seen["RecordDeposit"]["zh-hans"] and "5,000 元" in seen["RecordDeposit"]["zh-hans"]
    assert "¥148,000" in seen["RecordDeposit"]["en"] and "¥5,000" in seen["RecordDeposit"]["en"]
    assert "148,000 元" in seen["Balance"]["zh-hans"] and "¥148,000" in seen["Balance"]["en"]


def test_every_step_of_an_order_change_shows_words_and_a_subject_in_no_language(sale, people, stores):
    customer, car = sale
    order = order_create(by=people["sales"], customer_id=customer.pk, vehicle_id=car.pk, price=148000, deposit=5000)
    iid = api.start(
        "order_change",
        business_key=f"order:{order.pk}",
        user=people["sales"],
        data={"store_id": stores[0].pk, "order_id": order.pk},
    ).instance_id
    first = _check_pages(people["admin"], iid, "order_change")
    assert "148,000 元" in first["RequestChange"]["zh-hans"] and "¥148,000" in first["RequestChange"]["en"]
    _done(
        iid,
        "RequestChange",
        people["sales"],
        change_reason="客户要求",
        change_kind="delivery_date",
        new_delivery_date="2026-12-05",
    )
    assert only_item(iid, "ManagerApproval").subject_label == f"陈志远 · #{order.pk}"
    _check_pages(people["admin"], iid, "order_change")
    _done(iid, "ManagerApproval", people["manager"], decision="approve")
    notice = WorkItem.objects.get(kind="notice", assignee=people["sales"])
    inbox = {}
    for language in ("zh-hans", "en"):
        inbox[language] = read_in(people["sales"], reverse("inbox:inbox"), language)
    assert notice.subject_label == f"陈志远 · #{order.pk}"
    assert "交车日期" in inbox["zh-hans"] and "2026年12月5日" in inbox["zh-hans"], inbox["zh-hans"]
    assert "the delivery date is now" in inbox["en"]


def test_a_return_visit_call_shows_words(people, stores):
    clock.freeze(START)
    deploy(str(PROCESS_DIR / "return_visit.bpmn"))
    people["service"] = make_staff("service", stores[0], ["service"])
    customer = CustomerFactory(name="王芳", home_store=stores[0], owner=people["sales"])
    order = order_create(
        by=people["sales"], customer_id=customer.pk, vehicle_id=VehicleFactory(store=stores[0]).pk, price=150000
    )
    payment_record(order_id=order.pk, by=people["finance"], method="transfer", amount=150000)
    order_deliver(order_id=order.pk, by=people["manager"], delivered_at=START)
    iid = ProcessInstance.objects.get(business_key=f"order:{order.pk}").pk
    car = Vehicle.objects.get(pk=order.vehicle_id)
    Appointment.objects.create(
        customer=customer,
        store=stores[0],
        vehicle=car,
        kind="service",
        at=START + timedelta(days=20),
        created_by=people["admin"],
    )
    assert api.fire_due_timers(START + timedelta(days=4)) == 1
    pages = _check_pages(people["admin"], iid, "return_visit")
    assert "已预约的售后：2026年11月22日 周日 09:00" in pages["Visit"]["zh-hans"]
    assert "交车后 3 天回访" in pages["Visit"]["zh-hans"] and "days after delivery" not in pages["Visit"]["zh-hans"]
    assert "WaitForVisit" not in pages["Visit"]["en"]  # a timer in the history by its name, not its id
    assert "Service booked: Sun 22 Nov 2026 09:00" in pages["Visit"]["en"]
