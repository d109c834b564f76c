"""The scorecards' months worked (distinct customers per salesperson and month) stay equal to a count from
scratch after a random run of the CRM's own operations: contacts, reassignments, releases to the pool and
first contacts from it, customers moving store, notes edited and deleted."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import TruncMonth

from portal.crm import events
from portal.crm.errors import CrmError
from portal.crm.models import Communication, Customer
from portal.crm.services.contacts import communication_record
from portal.crm.services.customers import customer_assign, customer_release
from portal.reports import daily, measures
from portal.reports.models import CommunicationDay, WorkedCount, WorkedMonth
from portal.reports.window import window_for, zone

from .conftest import OCTOBER, at

pytestmark = pytest.mark.django_db


def kept() -> set[tuple]:
    rows = WorkedMonth.objects.filter(notes__gt=0)
    return set(rows.values_list("month", "store_id", "author_id", "customer_id", "notes"))


def from_scratch() -> set[tuple]:
    """Counted from the notes themselves, without the reports' code."""
    rows = (
        Communication.objects.annotate(month=TruncMonth("at", tzinfo=zone()))
        .order_by()
        .values_list("month", "customer__home_store_id", "author_id", "customer_id")
        .annotate(n=Count("id"))
    )
    return {(m.date(), s, a, c, n) for m, s, a, c, n in rows}


def counts_kept() -> set[tuple]:
    return set(WorkedCount.objects.filter(customers__gt=0).values_list("month", "store_id", "author_id", "customers"))


def counts_from_scratch() -> set[tuple]:
    """Distinct customers per month, home store and author, counted from the notes."""
    rows = (
        Communication.objects.annotate(month=TruncMonth("at", tzinfo=zone()))
        .order_by()
        .values_list("month", "customer__home_store_id", "author_id")
        .annotate(n=Count("customer_id", distinct=True))
    )
    return {(m.date(), s, a, n) for m, s, a, n in rows}


def worked_from_notes(w) -> dict[int, int]:
    rows = measures.communications(w).filter(at__gte=w.since, at__lt=w.until).order_by()
    return dict(rows.values_list("author_id").annotate(n=Count("customer_id", distinct=True)))


def test_a_random_run_of_operations_keeps_the_months_worked(month):
    people, stores = month["people"], month["stores"]
    sellers = {
        stores[0].pk: [people["sales"], people["sales2"]],
        stores[1].pk: [people["other_sales"]],
        stores[2].pk: [people["tianhe_sales"]],
    }
    rng = random.Random(21)
    done: dict[str, int] = {}
    for _ in range(120):
        customer = Customer.objects.order_by("?").first()
        team = sellers[customer.home_store_id]
        step = rng.choice(["contact", "contact", "reassign", "release", "move", "edit", "delete"])
        try:
            if step == "contact":  # also the first contact that takes a prospect from the pool
                by = customer.owner if customer.owner in team and rng.random() < 0.7 else rng.choice(team)
                day = f"2026-{rng.choice(['09', '10', '11'])}-{rng.randint(1, 28):02d}"
                communication_record(
                    customer_id=customer.pk,
                    by=by,
                    channel="phone",
                    content="call",
                    outcome="interested",
                    at=at(day, f"{rng.randint(0, 23):02d}:30"),
                    from_pool=customer.owner_id is None,
                )
            elif step == "reassign":
                customer_assign(customer_id=customer.pk, by=people["hq"], owner=rng.choice(team))
            elif step == "release":
                customer_release(customer_id=customer.pk, by=people["hq"])
            elif step == "move":  # the customer changes home store: through a save, or as lead routing does
                store = rng.choice([s for s in stores if s.pk != customer.home_store_id])
                if rng.random() < 0.5:
                    customer.home_store, customer.owner = store, None
                    customer.save()
                else:
                    old = customer.home_store_id
                    Customer.objects.filter(pk=customer.pk).update(home_store=store, owner=None)
                    events.customer_moved.send(
                        sender=Customer, customer_id=customer.pk, old_store=old, new_store=store.pk
                    )
            elif step == "edit":
                note = Communication.objects.order_by("?").first()
                note.at = at(f"2026-{rng.choice(['09', '10', '11'])}-{rng.randint(1, 28):02d}")
                note.author = rng.choice(sellers[note.customer.home_store_id])
                note.save()
            else:
                Communication.objects.order_by("?").first().delete()
        except (CrmError, ValidationError):  # a refusal the CRM gives a person (owner rules, pool rules)
            continue
        done[step] = done.get(step, 0) + 1
    assert set(done) == {"contact", "reassign", "release", "move", "edit", "delete"}, done
    assert kept() == from_scratch()
    assert counts_kept() == counts_from_scratch()
    assert not WorkedCount.objects.filter(customers__lt=0).exists()
    w = window_for(people["hq"], OCTOBER)
    assert measures.prospects_worked(w) == worked_from_notes(w)
    manager = window_for(people["manager"], {"start": "2026-09-01", "end": "2026-11-30"})
    assert measures.prospects_worked(manager) == worked_from_notes(manager)
    before, counts_before = kept(), counts_kept()
    WorkedMonth.objects.update(notes=7)
    WorkedCount.objects.update(customers=3)
    CommunicationDay.objects.all().delete()
    daily.rebuild()
    assert (kept(), counts_kept()) == (before, counts_before)


def test_a_window_of_part_of_a_month_counts_the_notes(month):
    """A window that does not start on a month's first day (or whose month has notes after its end) is
    counted from the notes: the months worked cannot split a month."""
    people = month["people"]
    for dates in ({"start": "2026-10-02", "end": "2026-10-31"}, {"start": "2026-10-01", "end": "2026-10-30"}):
        w = window_for(people["hq"], dates)
        assert measures.prospects_worked(w) == worked_from_notes(w)
    # October 31 has one note (customer c); a window ending on the 30th does not count it.
    w = window_for(people["hq"], {"start": "2026-10-01", "end": "2026-10-30"})
    assert measures.prospects_worked(w)[people["sales"].pk] == 2
