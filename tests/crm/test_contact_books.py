"""One form logs a contact and books the test drive; the car is chosen from the store's stock by name."""

import re
from datetime import timedelta

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from portal.crm.models import Appointment, Communication, FollowUpPlan


def _when(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _contact(client, customer, **booking):
    post = {"channel": "phone", "outcome": "booked", "content": "约了周六试驾", **booking}
    return client.post(reverse("crm:customer_contact", args=[customer.pk]), post)


def _said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_customer_page_offers_the_stores_cars_by_name_not_an_id(as_user, crm_people, book, stock):
    page = as_user(crm_people["sales"]).get(reverse("crm:customer", args=[book["mine"].pk])).content.decode()
    assert "Vehicle id" not in page
    for name in ("book_vehicle", "vehicle_id"):
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
        assert select is not None, name
        assert "Toyota Camry 2020 · 沪A12345 · ¥150,000" in select.group(0)
        assert "CR-V" not in select.group(0)  # another store's stock


def test_logging_an_appointment_books_the_test_drive_and_plans_the_follow_up(as_user, crm_people, book, stock):
    client = as_user(crm_people["sales"])
    response = _contact(
        client, book["mine"], book_kind="test_drive", book_at=_when(timedelta(days=2)), book_vehicle=stock["camry"].pk
    )
    assert response.status_code == 302
    booked = Appointment.objects.get(customer=book["mine"])
    assert (booked.kind, booked.vehicle) == ("test_drive", stock["camry"])
    assert Communication.objects.filter(customer=book["mine"], outcome="booked").count() == 1
    plan = FollowUpPlan.objects.get(appointment=booked)
    assert plan.owner == crm_people["sales"]
    assert "Appointment booked." in _said(response)


def test_an_appointment_outcome_without_a_time_is_refused_and_nothing_saved(as_user, crm_people, book, stock):
    response = _contact(as_user(crm_people["sales"]), book["mine"])
    assert "Appointment at" in _said(response)
    assert not Communication.objects.filter(customer=book["mine"]).exists()


def test_a_booking_in_the_past_on_a_sold_car_is_refused_per_field_and_nothing_half_saved(
    as_user, crm_people, book, stock
):
    sold = stock["rav4"]
    sold.status = "sold"
    sold.save()
    client = as_user(crm_people["sales"])
    with translation.override("en"):
        response = _contact(
            client, book["mine"], book_kind="test_drive", book_at=_when(-timedelta(days=1)), book_vehicle=sold.pk
        )
    said = _said(response)
    assert "Appointment at: The appointment time has passed" in said
    assert "Car from stock:" in said and "Sold" in said
    assert not Communication.objects.filter(customer=book["mine"]).exists()
    assert not Appointment.objects.filter(customer=book["mine"]).exists()


def test_the_booking_form_refuses_a_reserved_car_in_chinese(as_user, crm_people, book, stock):
    reserved = stock["rav4"]
    reserved.status = "reserved"
    reserved.save()
    crm_people["sales"].staff.language = "zh-hans"
    crm_people["sales"].staff.save(update_fields=["language"])
    response = as_user(crm_people["sales"]).post(
        reverse("crm:customer_appointment", args=[book["mine"].pk]),
        {"kind": "test_drive", "at": _when(timedelta(days=1)), "vehicle_id": reserved.pk},
    )
    said = _said(response)
    assert "车辆" in said and "已预订" in said, said
    assert not Appointment.objects.filter(customer=book["mine"]).exists()


def test_the_follow_up_a_booking_plans_is_written_in_its_owners_language(as_user, crm_people, book, stock):
    """The manager books in English for a salesperson who reads Chinese: the plan is the salesperson's."""
    crm_people["sales"].staff.language = "zh-hans"
    crm_people["sales"].staff.save()
    with translation.override("en"):
        _contact(
            as_user(crm_people["manager"]),
            book["mine"],
            book_kind="test_drive",
            book_at=_when(timedelta(days=2)),
            book_vehicle=stock["camry"].pk,
        )
    plan = FollowUpPlan.objects.get(appointment__customer=book["mine"])
    assert plan.owner == crm_people["sales"] and "丰田 凯美瑞" in plan.purpose and "Ask about" not in plan.purpose
