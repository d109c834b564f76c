"""The daily communication counts stay equal to a recount from the notes, whatever happens to the notes."""

import pytest

from portal.crm.models import Communication
from portal.reports import daily, measures
from portal.reports.models import CommunicationDay, WorkedCount, WorkedMonth
from portal.reports.window import window_for

from .conftest import OCTOBER, at

pytestmark = pytest.mark.django_db


def kept() -> set[tuple]:
    return set(CommunicationDay.objects.exclude(count=0).values_list("day", "store_id", "author_id", "count"))


def recounted() -> set[tuple]:
    daily.rebuild()
    return kept()


def test_saving_moving_and_deleting_notes_keeps_the_counts(month):
    people, (_pudong, westlake, _tianhe) = month["people"], month["stores"]
    note = Communication.objects.filter(customer=month["customer_a"]).order_by("at").first()
    note.at = at("2026-10-20")  # another day
    note.save()
    note.author = people["sales2"]  # another author
    note.save()
    Communication.objects.filter(customer__home_store=westlake).first().delete()
    customer = month["customer_a"]
    customer.home_store = westlake  # the customer moves, their notes with them
    customer.save()
    during = kept()
    assert during == recounted()
    w = window_for(people["hq"], OCTOBER)
    rows = {r["name"]: r for r in measures.funnel(w).tables[1].rows}
    # 上海浦东店 had 6 notes in October; customer a (3 of them, one in November) moved to 杭州西湖店,
    # which had 2 and lost 1.
    assert rows["上海浦东店"]["communications"] == 4
    assert rows["杭州西湖店"]["communications"] == 1 + 2


def test_a_rebuild_recounts_every_bucket(month):
    before = kept()
    CommunicationDay.objects.update(count=99)
    written = daily.rebuild()
    rows = WorkedMonth.objects.count() + WorkedCount.objects.count()
    assert written == len(before) + rows and kept() == before


def test_a_customer_moved_by_a_direct_update_takes_their_counts_along(month):
    """Lead routing moves a pool prospect with an UPDATE (no save): the CRM's customer_moved event keeps the
    counts equal to a recount."""
    from portal.crm import events
    from portal.crm.models import Customer

    _pudong, westlake, _tianhe = month["stores"]
    customer = month["customer_a"]
    old_store = customer.home_store_id
    Customer.objects.filter(pk=customer.pk).update(home_store=westlake)
    events.customer_moved.send(sender=Customer, customer_id=customer.pk, old_store=old_store, new_store=westlake.pk)
    assert kept() == recounted()
