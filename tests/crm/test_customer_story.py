"""The customer page tells the whole story: payments, the car with its card, plan and policies,
return visits with scores, and the days left before the pool reclaims a prospect."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from engine import api
from portal.crm.models import (
    InsurancePolicy,
    MaintenancePlan,
    MembershipCard,
    Payment,
    ReturnVisit,
    ServiceRecord,
    Tag,
)
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory


@pytest.fixture
def sold(book, crm_people, stores):
    """李伟 (a customer now) bought a Camry: deposit and balance paid, card, plan, both policies, two visits."""
    customer, manager = book["closed"], crm_people["manager"]
    today = timezone.localdate()
    car = VehicleFactory(store=stores[0], customer=customer, status="sold", plate="沪B54321")
    order = OrderFactory(
        customer=customer,
        vehicle=car,
        store=stores[0],
        salesperson=crm_people["sales"],
        deposit=5000,
        status="delivered",
    )
    Payment.objects.create(order=order, method="wechat_pay", amount=5000, handled_by=crm_people["finance"])
    Payment.objects.create(order=order, method="transfer", amount=145000, handled_by=crm_people["finance"])
    MembershipCard.objects.create(
        customer=customer, number="LF0010000042", level="gold", issued_by=manager, store=stores[0]
    )
    MaintenancePlan.objects.create(
        vehicle=car, next_service_date=today + timedelta(days=90), next_service_mileage=45000
    )
    InsurancePolicy.objects.create(
        vehicle=car,
        kind="compulsory",
        insurer="中国人保",
        policy_number="JQ-778899",
        expires_on=today + timedelta(days=365),
    )
    InsurancePolicy.objects.create(
        vehicle=car,
        kind="commercial",
        insurer="中国人保",
        policy_number="SY-112233",
        expires_on=today + timedelta(days=365),
    )
    ServiceRecord.objects.create(vehicle=car, date=today, mileage=41000, work_done="更换机油", cost=380)
    ReturnVisit.objects.create(
        customer=customer,
        vehicle=car,
        store=stores[0],
        kind="after_delivery: 3 days after delivery",
        due=today,
        status="done",
        satisfaction_score=4,
        notes="很满意",
    )
    ReturnVisit.objects.create(
        customer=customer,
        vehicle=car,
        store=stores[0],
        kind="after_delivery: 30 days after delivery",
        due=today + timedelta(days=27),
    )
    return customer


def _page(client, user, customer, language="en"):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    user.staff.language = language
    user.staff.save(update_fields=["language"])
    client.force_login(user)
    with translation.override(language):
        response = client.get(reverse("crm:customer", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_payments_card_plan_policies_and_scored_visits_in_english(sold, crm_people, client):
    html = _page(client, crm_people["sales"], sold)
    for text in (
        "Deposit",
        "¥5,000",
        "Balance",
        "¥145,000",
        "WeChat Pay",
        "LF0010000042",
        "Gold",
        "45,000 km",
        "JQ-778899",
        "SY-112233",
        "中国人保",
        "Compulsory (traffic)",
        "更换机油",
        "4 / 5",
        "很满意",
        "Visit 3 days after delivery",
        "Visit 30 days after delivery",
    ):
        assert text in html, text
    assert "after_delivery" not in html


def test_the_page_shows_the_same_story_in_chinese(sold, crm_people, client):
    html = _page(client, crm_people["sales"], sold, "zh-hans")
    for text in (
        "订金",
        "尾款",
        "微信支付",
        "LF0010000042",
        "金卡",
        "JQ-778899",
        "交强险",
        "4 / 5",
        "交车后 3 天回访",
        "车辆与售后",
        "回访",
        "记录沟通",
    ):
        assert text in html, text
    for english in ("Deposit", "Balance", "Membership card", "Return visits", "Log a call"):
        assert english not in html, english


def test_a_prospect_shows_the_days_left_before_the_pool_reclaims_it(book, crm_people, client):
    period = int(api.rules_constants("pool_reclaim")["reclaim_after_days"])
    prospect = book["mine"]
    prospect.last_contact_at = timezone.now() - timedelta(days=10, hours=1)
    prospect.save(update_fields=["last_contact_at"])
    html = _page(client, crm_people["sales"], prospect)
    assert f"{period - 10} days left before the pool reclaims this prospect" in html


def test_a_vip_prospect_counts_its_own_longer_period(book, crm_people, client):
    period = int(api.rules_constants("pool_reclaim")["vip_reclaim_after_days"])
    prospect = book["mine"]
    prospect.tags.add(Tag.objects.create(name="vip"))
    prospect.last_contact_at = timezone.now() - timedelta(days=3, hours=1)
    prospect.save(update_fields=["last_contact_at"])
    html = _page(client, crm_people["sales"], prospect, "zh-hans")
    assert f"还有 {period - 3} 天" in html


def test_a_customer_with_a_deal_shows_no_days_left(sold, crm_people, client):
    assert "before the pool reclaims" not in _page(client, crm_people["sales"], sold)


def test_a_quick_action_opens_the_booking_form_with_the_kind_chosen(book, crm_people, client):
    client.force_login(crm_people["sales"])
    html = client.get(reverse("crm:customer", args=[book["mine"].pk]) + "?book=test_drive").content.decode()
    assert "<details open><summary>Book an appointment</summary>" in html
    assert '<option value="test_drive" selected>' in html


def test_service_staff_book_a_service_for_the_buyer_but_nothing_else(sold, crm_people, client):
    client.force_login(crm_people["service"])
    url = reverse("crm:customer_appointment", args=[sold.pk])
    at = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    client.post(url, {"kind": "test_drive", "at": at})
    client.post(url, {"kind": "service", "at": at})
    assert list(sold.appointments.values_list("kind", flat=True)) == ["service"]


def test_a_customer_of_another_store_is_not_the_service_desks(crm_people, stores, client):
    stranger = CustomerFactory(home_store=stores[1])
    VehicleFactory(store=stores[1], customer=stranger, status="sold")
    client.force_login(crm_people["service"])
    at = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    response = client.post(reverse("crm:customer_appointment", args=[stranger.pk]), {"kind": "service", "at": at})
    assert response.status_code == 404 and not stranger.appointments.exists()
