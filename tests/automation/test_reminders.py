"""The reminders sweep: one work item per thing coming due, for the right person, never twice."""

from datetime import UTC, date, datetime, timedelta

from django.utils import translation

from engine import api
from engine.models import WorkItem
from portal.crm.automation.reminders import sweep_reminders
from portal.crm.models import Appointment, FollowUpPlan, InsurancePolicy, MaintenancePlan, Stage
from tests.crm.factories import CustomerFactory, VehicleFactory

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TODAY = date(2026, 11, 27)


def _sold_car(people, stores, **customer):
    buyer = CustomerFactory(home_store=stores[0], owner=people["sales"], stage=Stage.CUSTOMER, **customer)
    return VehicleFactory(store=stores[0], customer=buyer, status="sold", plate="沪A88888")


def test_each_thing_coming_due_reminds_the_right_person_once(people, stores):
    prospect = CustomerFactory(home_store=stores[0], owner=people["sales"], name="Li Wei")
    FollowUpPlan.objects.create(
        customer=prospect,
        owner=people["sales"],
        due_at=NOW - timedelta(hours=2),
        method="phone",
        purpose="send the quote",
    )
    car = _sold_car(people, stores, name="Wang Fang", birthday=date(1990, 11, 27))
    InsurancePolicy.objects.create(vehicle=car, kind="compulsory", insurer="PICC", expires_on=TODAY + timedelta(30))
    InsurancePolicy.objects.create(vehicle=car, kind="commercial", insurer="PICC", expires_on=TODAY + timedelta(20))
    MaintenancePlan.objects.create(vehicle=car, next_service_date=TODAY + timedelta(5), next_service_mileage=50000)

    sweep_reminders(now=NOW)
    sweep_reminders(now=NOW + timedelta(hours=3))

    items = {
        (i.title.split(" ")[0], i.assignee.username if i.assignee else i.role)
        for i in WorkItem.objects.filter(kind="reminder")
    }
    assert items == {("Follow", "sales"), ("Compulsory", "service"), ("Maintenance", "service"), ("Wang", "service")}
    assert WorkItem.objects.filter(kind="reminder").count() == 4


def test_a_maintenance_reminder_books_a_service_visit(people, stores):
    from tests.helpers import make_staff

    mechanic = make_staff("mechanic", stores[0], ["service"])
    car = _sold_car(people, stores, name="Zhao Lei")
    MaintenancePlan.objects.create(vehicle=car, next_service_date=TODAY + timedelta(3), next_service_mileage=60000)
    sweep_reminders(now=NOW)
    [item] = api.inbox_for(mechanic).claimable

    api.complete(item.pk, user=mechanic, data={"at": "2026-12-01T10:00:00+08:00", "note": "oil and filters"})

    visit = Appointment.objects.get(vehicle=car)
    assert (visit.kind, visit.customer.name, visit.created_by) == ("service", "Zhao Lei", mechanic)


def test_a_reminder_is_due_by_the_end_of_its_day_in_local_time(people, stores):
    prospect = CustomerFactory(home_store=stores[0], owner=people["sales"], name="Li Wei")
    FollowUpPlan.objects.create(
        customer=prospect,
        owner=people["sales"],
        due_at=NOW + timedelta(hours=3),
        method="phone",
        purpose="send the quote",
    )
    sweep_reminders(now=NOW)
    item = WorkItem.objects.get(kind="reminder")
    assert item.due_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # midnight in Shanghai


def test_a_reminder_shows_in_each_readers_language(people, stores):
    """Made once by the sweep, read by a Chinese and an English reader (needs the compiled catalog)."""
    buyer = CustomerFactory(home_store=stores[0], owner=people["sales"], name="吴强")
    Appointment.objects.create(
        customer=buyer,
        kind="test_drive",
        at=NOW + timedelta(days=1, hours=1),
        created_by=people["sales"],
        store=stores[0],
    )
    sweep_reminders(now=NOW)
    item = WorkItem.objects.get(kind="reminder")
    with translation.override("zh-hans"):
        chinese = api.localize_item(WorkItem.objects.get(pk=item.pk))
    with translation.override("en"):
        english = api.localize_item(WorkItem.objects.get(pk=item.pk))
    assert chinese.title == "明天与 吴强 试驾"
    assert english.title == item.title == "Test drive with 吴强 tomorrow"
    assert chinese.instructions == "明天与 吴强 试驾：试驾前一天与客户确认时间和车辆。"
