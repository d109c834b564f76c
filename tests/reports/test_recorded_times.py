"""The figures read from the times the records now keep: complaints acknowledged and resolved within the
SLA and their causes, how long before a visit it was booked, a car's age in stock from its arrival."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.crm.models import Appointment, Complaint, Vehicle
from portal.reports import measures
from portal.reports.window import window_for

from .conftest import OCTOBER, at

pytestmark = pytest.mark.django_db


def table(report, title):
    return next(t for t in report.tables if str(t.title) == title)


def test_complaint_sla_and_causes_by_store(month):
    # 上海浦东店's one October complaint (high: 4 hours to acknowledge) acknowledged in 3 hours and resolved
    # after 4 days (SLA 4 hours + 3 days); 杭州西湖店's one (low: 48 hours) acknowledged late. Its September
    # complaint (the period before) has no cause recorded.
    made = at("2026-10-21")
    Complaint.objects.filter(store__name="上海浦东店", created_at=made).update(
        acknowledged_at=made + timedelta(hours=3), resolved_at=made + timedelta(days=4), cause="car_condition"
    )
    late = Complaint.objects.filter(store__name="杭州西湖店", created_at__month=10).order_by("pk").first()
    Complaint.objects.filter(pk=late.pk).update(
        acknowledged_at=late.created_at + timedelta(hours=50), cause="staff_conduct"
    )
    handled = Complaint.objects.get(store__name="上海浦东店", created_at=made)
    handled.pk, handled.status, handled.created_at = None, "closed", at("2026-10-23")  # closed, no times kept
    handled.acknowledged_at = handled.resolved_at = None
    handled.cause = ""
    handled.save()
    report = measures.service_quality(window_for(month["people"]["hq"], OCTOBER))
    sla = {r["store"]: r for r in table(report, "Complaint SLA by store").rows}
    pudong, westlake = sla["上海浦东店"], sla["杭州西湖店"]
    assert (pudong["complaints"], pudong["not_recorded"]) == (2, 1)
    assert (pudong["acknowledged"], pudong["ack_on_time"], pudong["ack_hours"]) == (1, 1.0, 3.0)
    assert (pudong["resolved"], pudong["resolved_on_time"], pudong["resolve_hours"]) == (1, 0.0, 96.0)
    assert (westlake["complaints"], westlake["not_recorded"], westlake["ack_on_time"]) == (1, 0, 0.0)
    causes = {r["group"]: (r["complaints"], r["before"]) for r in table(report, "Complaints by cause").rows}
    assert causes == {"Car condition not as described": (1, 0), "Staff conduct": (1, 0), "Not recorded": (1, 1)}


def test_booking_lead_time_of_the_visits_booked(month):
    # 上海浦东店's two October visits: one booked the same day, one 5 days before.
    visit, drive = Appointment.objects.filter(store__name="上海浦东店", kind__in=("visit", "test_drive"))
    Appointment.objects.filter(pk=visit.pk).update(booked_at=visit.at - timedelta(hours=2))
    Appointment.objects.filter(pk=drive.pk).update(booked_at=drive.at - timedelta(days=5))
    report = measures.funnel(window_for(month["people"]["hq"], OCTOBER))
    rows = {r["store"]: r for r in table(report, "Booking lead time of the visits booked").rows}
    pudong = rows["上海浦东店"]
    assert (pudong["visits"], pudong["same_day"], pudong["days_4_7"], pudong["not_recorded"]) == (2, 1, 1, 0)
    assert rows["杭州西湖店"]["not_recorded"] == 0 and rows["杭州西湖店"]["visits"] == 1


def test_a_car_that_arrived_by_transfer_is_young_in_its_new_store(month):
    """Recorded 100 days ago, arrived in 上海浦东店 by transfer 5 days ago: 0-30 days in stock there."""
    old = Vehicle.objects.get(
        store__name="上海浦东店", brand="Honda", created_at__lt=timezone.now() - timedelta(days=90)
    )
    Vehicle.objects.filter(pk=old.pk).update(arrived_at=timezone.now() - timedelta(days=5))
    w = window_for(month["people"]["manager"], OCTOBER)
    pudong = {r["store"]: r for r in measures.stock(w).tables[0].rows}["上海浦东店"]
    assert (pudong["age_0_30"], pudong["age_31_60"], pudong["age_90_plus"]) == (8, 1, 0)
