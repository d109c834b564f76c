"""Every figure of the known month (tests/reports/conftest.py), counted by hand."""

from datetime import date

import pytest

from portal.crm.models import Communication
from portal.reports import measures
from portal.reports.window import window_for

from .conftest import OCTOBER, at

pytestmark = pytest.mark.django_db


def rows_by(table, key="name"):
    return {str(r[key]): r for r in table.rows}


def test_the_funnel_per_store_counts_the_month_in_shanghai_time(month):
    w = window_for(month["people"]["hq"], OCTOBER)
    table = measures.funnel(w, "store").tables[1]
    pudong = rows_by(table)["上海浦东店"]
    assert (pudong["prospects"], pudong["communications"], pudong["visits"], pudong["deals"]) == (4, 6, 2, 2)
    assert pudong["revenue"] == 250_000
    assert pudong["to_communication"] == 6 / 4
    assert pudong["to_visit"] == 2 / 6
    assert pudong["to_deal"] == 1.0
    assert pudong["conversion"] == 0.5
    assert (pudong["deals_last_month"], pudong["deals_change_month"]) == (1, 1.0)  # 1 -> 2: +100 %
    assert (pudong["deals_last_year"], pudong["deals_change_year"]) == (2, 0.0)
    westlake = rows_by(table)["杭州西湖店"]
    assert (westlake["prospects"], westlake["communications"], westlake["visits"], westlake["deals"]) == (2, 2, 1, 1)
    assert westlake["deals_change_month"] is None  # nothing a month earlier: no percentage, not 0 %


def test_the_funnel_per_region_group_and_salesperson(month):
    hq = month["people"]["hq"]
    regions = rows_by(measures.funnel(window_for(hq, OCTOBER), "region").tables[1])
    assert (regions["华东"]["prospects"], regions["华东"]["deals"], regions["华东"]["revenue"]) == (6, 3, 450_000)
    assert (regions["华南"]["prospects"], regions["华南"]["deals"]) == (1, 1)
    group = measures.funnel(window_for(hq, OCTOBER), "group")
    assert [s["value"] for s in group.tables[0].rows] == [7, 8, 3, 4]
    people = rows_by(measures.funnel(window_for(hq, OCTOBER), "salesperson").tables[1])
    sales = people[str(month["people"]["sales"])] if str(month["people"]["sales"]) in people else people["sales"]
    assert (sales["prospects"], sales["communications"], sales["visits"], sales["deals"]) == (3, 5, 2, 2)


def test_a_period_report_starts_its_weeks_on_monday(month):
    w = window_for(month["people"]["manager"], OCTOBER)
    weeks = measures.periods(w, "week").tables[0].rows
    assert [r["period"] for r in weeks][:2] == [date(2026, 9, 28), date(2026, 10, 5)]
    # Sunday 4 October is the week of 28 September; Monday the 5th starts the next.
    assert (weeks[0]["deals"], weeks[0]["revenue"]) == (1, 100_000)
    assert (weeks[1]["deals"], weeks[1]["revenue"]) == (1, 150_000)
    monthly = measures.periods(w, "month").tables[0].rows
    assert [{k: v for k, v in r.items() if k != "_links"} for r in monthly] == [
        {"period": date(2026, 10, 1), "orders": 3, "deals": 2, "revenue": 250_000, "average_price": 125_000}
    ]
    # The first week's deals link to the deals of its days inside the range (the range starts on Thursday).
    assert weeks[0]["_links"]["deals"].endswith("?start=2026-10-01&end=2026-10-04")


def test_customers_by_source_are_grouped_online_and_offline(month):
    w = window_for(month["people"]["manager"], OCTOBER)
    sources = {r["source"]: r for r in measures.periods(w).tables[1].rows}
    assert sources["Website"]["customers"] == 2
    assert str(sources["Website"]["group"]) == "Online"
    assert sources["Walk-in"]["customers"] == 1 and str(sources["Walk-in"]["group"]) == "Offline"
    assert sources["Website"]["share"] == 0.5


def test_channels_count_leads_prospects_and_deals_per_source(month):
    w = window_for(month["people"]["hq"], OCTOBER)
    rows = {r["source"]: r for r in measures.channels(w).tables[0].rows}
    assert (rows["Website"]["prospects"], rows["Website"]["deals"], rows["Website"]["conversion"]) == (2, 1, 0.5)
    assert (rows["Car show"]["prospects"], rows["Car show"]["deals"]) == (1, 1)


def test_trends_by_brand_and_by_intent(month):
    w = window_for(month["people"]["hq"], {"start": "2026-09-01", "end": "2026-10-31"})
    rows = measures.trends(w, "brand").tables[0].rows
    assert [(r["month"], r["deals"]) for r in rows] == [(date(2026, 9, 1), 1), (date(2026, 10, 1), 4)]
    intent = measures.trends(window_for(month["people"]["hq"], OCTOBER), "intent_level").tables[0].rows
    assert {r["group"]: r["deals"] for r in intent} == {"High": 1, "Medium": 3}


def test_the_scorecard_of_a_salesperson(month):
    sales = month["people"]["sales"]
    w = window_for(month["people"]["manager"], {**OCTOBER, "salesperson": str(sales.pk)})
    (row,) = measures.scorecards(w).tables[0].rows
    assert row["prospects_worked"] == 3  # five notes about three customers
    assert (row["follow_ups_due"], row["follow_ups_on_time"], row["on_time_rate"]) == (2, 1, 0.5)
    assert row["lost_to_pool"] == 1
    assert (row["deals"], row["revenue"], row["conversion"]) == (2, 250_000, 2 / 3)
    assert row["satisfaction"] == 4.5
    assert row["complaints"] == 1


def test_service_quality_by_category_with_growth_and_breaches(month):
    w = window_for(month["people"]["hq"], OCTOBER)
    report = measures.service_quality(w)
    (late,) = report.tables[0].rows
    assert (late["complaints"], late["before"], late["growth"]) == (2, 1, 1.0)
    assert (late["serious"], late["overdue"], late["resolved"]) == (1, 1, 1)
    index = report.tables[4].rows
    assert [(r["month"], r["satisfaction"], r["visits"]) for r in index] == [(date(2026, 10, 1), 4.5, 2)]


def test_stock_ageing_buckets(month):
    w = window_for(month["people"]["manager"], OCTOBER)
    pudong = rows_by(measures.stock(w).tables[0], "store")["上海浦东店"]
    # Three Hondas 10, 45 and 100 days old, and the six cars of its orders, reserved and recorded today.
    assert (pudong["total"], pudong["in_stock"], pudong["reserved"]) == (9, 3, 6)
    assert (pudong["age_0_30"], pudong["age_31_60"], pudong["age_61_90"], pudong["age_90_plus"]) == (7, 1, 0, 1)
    assert pudong["sold"] == 2 and pudong["turnover"] == 2 / 9


def test_seasonal_naive_and_its_fallback():
    first = date(2025, 1, 1)
    history = {date(2025, 3, 1): 7, date(2025, 12, 1): 3, date(2026, 1, 1): 4, date(2026, 2, 1): 5}
    assert measures.seasonal_naive(history, date(2026, 3, 1), first) == 7.0  # March a year earlier
    assert measures.seasonal_naive(history, date(2025, 4, 1), first) == 7 / 3  # no year yet: last three months
    assert measures.seasonal_naive({}, date(2025, 1, 1), first) is None


def test_changing_a_record_changes_the_report(month):
    w = window_for(month["people"]["manager"], OCTOBER)
    before = rows_by(measures.funnel(w).tables[1])["上海浦东店"]
    deal = month["deal_a"]
    deal.status = "cancelled"
    deal.save(update_fields=["status"])
    Communication.objects.create(
        customer=month["customer_a"],
        author=month["people"]["sales"],
        channel="sms",
        at=at("2026-10-30"),
        content="x",
        outcome="booked",
    )
    after = rows_by(measures.funnel(w).tables[1])["上海浦东店"]
    assert (before["deals"], after["deals"]) == (2, 1)
    assert (before["revenue"], after["revenue"]) == (250_000, 150_000)
    assert (before["communications"], after["communications"]) == (6, 7)


def test_complaints_by_car_model_count_each_car_under_its_model(month):
    from portal.crm.models import Complaint

    complaint = Complaint.objects.get(customer=month["customer_a"], created_at__month=10)
    complaint.vehicle = month["deal_a"].vehicle
    complaint.satisfaction_score = 2
    complaint.save()
    w = window_for(month["people"]["hq"], OCTOBER)
    table = next(t for t in measures.service_quality(w).tables if "car model" in str(t.title))
    rows = {r["group"]: r for r in table.rows}
    model = month["deal_a"].vehicle.model
    assert (rows[model]["complaints"], rows[model]["serious"], rows[model]["satisfaction"]) == (1, 1, 2)
    assert (rows["No car named"]["complaints"], rows["No car named"]["before"]) == (1, 1)
