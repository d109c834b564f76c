"""The service desk's day: what falls due in the next 30 days in the viewer's stores, and booking
the service from a line."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from portal.crm.models import InsurancePolicy, MaintenancePlan, ReturnVisit
from tests.crm.factories import CustomerFactory, VehicleFactory


def _sold(store, name, phone, plate, owner):
    customer = CustomerFactory(name=name, home_store=store, stage="customer", phone=phone, owner=owner)
    car = VehicleFactory(store=store, customer=customer, status="sold", plate=plate)
    return customer, car


@pytest.fixture
def due(stores, crm_people):
    """In 上海浦东店 a visit, a service and a renewal within 30 days, and each later; the same soon in 西湖店."""
    pudong, westlake = stores
    today = timezone.localdate()
    soon, later = today + timedelta(days=12), today + timedelta(days=45)
    rows = {}
    sellers = {pudong: crm_people["sales"], westlake: crm_people["other_sales"]}
    for key, store, when in (("soon", pudong, soon), ("later", pudong, later), ("elsewhere", westlake, soon)):
        customer, car = _sold(store, f"{key} 客户", f"1390000{len(rows):04d}", f"沪A{len(rows):05d}", sellers[store])
        ReturnVisit.objects.create(
            customer=customer, vehicle=car, store=store, kind="after_delivery: 30 days after delivery", due=when
        )
        MaintenancePlan.objects.create(vehicle=car, next_service_date=when, next_service_mileage=50000)
        InsurancePolicy.objects.create(
            vehicle=car, kind="commercial", insurer="平安保险", policy_number=f"SY-{key}", expires_on=when
        )
        rows[key] = (customer, car)
    return rows


def _page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("crm:service_day"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_day_lists_what_falls_due_within_thirty_days_in_the_viewers_store(due, crm_people, client):
    html = _page(client, crm_people["service"])
    soon_customer, soon_car = due["soon"]
    assert html.count("soon 客户") == 3  # the visit, the service and the renewal
    assert f'href="tel:{soon_customer.phones.first().number}"' in html
    assert reverse("crm:customer", args=[soon_customer.pk]) in html
    assert "SY-soon" in html and soon_car.plate in html
    assert "later 客户" not in html and "SY-later" not in html
    assert "elsewhere 客户" not in html


def test_hq_sees_every_store_and_filters_by_one(due, crm_people, stores, client):
    everything = _page(client, crm_people["hq"])
    assert "soon 客户" in everything and "elsewhere 客户" in everything
    westlake = _page(client, crm_people["hq"], store=stores[1].pk)
    assert "elsewhere 客户" in westlake and "soon 客户" not in westlake


def test_a_return_visit_already_made_is_not_listed(due, crm_people, client):
    ReturnVisit.objects.filter(customer=due["soon"][0]).update(status="done", satisfaction_score=5)
    html = _page(client, crm_people["service"])
    assert "No return visit due." in html


def test_the_day_reads_in_chinese(due, crm_people, client):
    service = crm_people["service"]
    service.staff.language = "zh-hans"
    service.staff.save(update_fields=["language"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    with translation.override("zh-hans"):
        html = _page(client, service)
    for text in ("售后日程", "待保养", "保险续保", "交车后 30 天回访", "预约保养", "商业险"):
        assert text in html, text
    assert "Maintenance due" not in html and "after_delivery" not in html


def test_salespeople_have_no_service_day_nor_its_menu_entry(crm_people, client):
    client.force_login(crm_people["sales"])
    assert client.get(reverse("crm:service_day")).status_code == 403
    assert reverse("crm:service_day") not in client.get(reverse("crm:customers")).content.decode()
    client.force_login(crm_people["service"])
    assert reverse("crm:service_day") in client.get(reverse("crm:customers")).content.decode()


def test_booking_the_service_from_a_line_books_it_and_comes_back(due, crm_people, client):
    customer, car = due["soon"]
    client.force_login(crm_people["service"])
    back = reverse("crm:service_day")
    at = (timezone.localdate() + timedelta(days=12)).strftime("%Y-%m-%dT10:00")
    response = client.post(
        reverse("crm:customer_appointment", args=[customer.pk]),
        {"kind": "service", "vehicle_id": car.pk, "at": at, "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    booked = customer.appointments.get()
    assert (booked.kind, booked.vehicle_id) == ("service", car.pk)
    assert timezone.localtime(booked.at).strftime("%Y-%m-%dT%H:%M") == at


def test_a_booking_never_sends_the_browser_to_another_site(due, crm_people, client):
    customer, car = due["soon"]
    client.force_login(crm_people["service"])
    at = (timezone.localdate() + timedelta(days=12)).strftime("%Y-%m-%dT10:00")
    response = client.post(
        reverse("crm:customer_appointment", args=[customer.pk]),
        {"kind": "service", "vehicle_id": car.pk, "at": at, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("crm:customer", args=[customer.pk])


def test_the_day_reads_with_the_same_queries_for_few_rows_and_for_more(
    due, crm_people, stores, client, django_assert_max_num_queries
):
    client.force_login(crm_people["service"])
    url = reverse("crm:service_day")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        customer, car = _sold(stores[0], f"more {n}", f"1370000{n:04d}", f"沪C{n:05d}", crm_people["sales"])
        MaintenancePlan.objects.create(vehicle=car, next_service_date=timezone.localdate(), next_service_mileage=1)
        InsurancePolicy.objects.create(vehicle=car, kind="compulsory", insurer="x", expires_on=timezone.localdate())
        ReturnVisit.objects.create(customer=customer, vehicle=car, store=stores[0], kind="x", due=timezone.localdate())
    with CaptureQueriesContext(connection) as more:
        html = client.get(url).content.decode()
    assert "more 4" in html
    assert len(more.captured_queries) == len(few.captured_queries)
