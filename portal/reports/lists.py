"""The record lists behind the reports' numbers: deals, communications and visits booked of a window.

Each counts exactly what the funnel, the period report and the scorecards count (the same querysets of
``portal.reports.measures``, through the same scope layer), so a number's link opens a list as long as the
number. A page shows ``PAGE_ROWS`` records in time order and pages on by keyset (``?after=<time>~<id>`` of
the last row shown), never by offset; the downloads stream them all.

A salesperson reads their own lists only (``views.report`` fixes the window to them); managers and hq read
their stores', as for every report.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from portal.crm.brands import car_name
from portal.crm.models import AppointmentKind, Communication, ContactChannel, ContactOutcome, OrderStatus
from portal.ui.people import display_name

from . import measures
from .tables import TEXT, TIME, YUAN, Column, Report, Table
from .window import BadRange, Window, people_of, user_named

PAGE_ROWS = 100


def parse_after(text: str) -> tuple[datetime, int] | None:
    """The keyset of ``?after=`` (the time and id of the last row shown), None for the first page; raises
    BadRange (the page says so) for anything else."""
    if not text:
        return None
    at_text, _sep, pk = text.rpartition("~")
    at = parse_datetime(at_text) if at_text else None
    if at is None or not pk.isdigit() or len(pk) > 18:
        raise BadRange(str(_("This page's place in the list is not valid; start again from the first page.")))
    return (at if timezone.is_aware(at) else timezone.make_aware(at, UTC)), int(pk)


def _page(rows: QuerySet, field: str, after: tuple[datetime, int] | None, paged: bool) -> QuerySet:
    """``rows`` in (time, id) order, from after the keyset on; a page's worth (and one more, to know there is
    a next page) unless the whole list is wanted (a download)."""
    if after:
        at, pk = after
        rows = rows.filter(Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk}))
    rows = rows.order_by(field, "pk")
    return rows[: PAGE_ROWS + 1] if paged else rows


def _fetch(rows: QuerySet, paged: bool) -> Iterator[Any]:
    """A page's rows read at once (a page is read only as far as it shows, and a server-side cursor left
    half read would outlive its transaction); a whole list streamed in chunks."""
    return iter(list(rows)) if paged else rows.iterator(chunk_size=2000)


def key_of(at: datetime, pk: int) -> str:
    return f"{at.isoformat()}~{pk}"


class _Names:
    """Display names of the window's people, looked up once (others one by one, rarely)."""

    def __init__(self, w: Window) -> None:
        self.known = measures.people_names({s.user_id for s in people_of(list(measures.store_names(w).values()))})

    def __call__(self, pk: int | None) -> str:
        if pk is None:
            return ""
        if pk not in self.known:
            user = user_named(pk)
            self.known[pk] = display_name(user) if user else ""
        return self.known[pk]


def deal_rows(w: Window, after: tuple[datetime, int] | None = None, paged: bool = False) -> Iterator[dict[str, Any]]:
    rows = _page(measures.deals(w), "created_at", after, paged).values_list(
        "id",
        "created_at",
        "store__name",
        "salesperson_id",
        "customer__name",
        "vehicle__brand",
        "vehicle__model",
        "price",
        "status",
    )
    name = _Names(w)
    for pk, at, store, person, customer, brand, model, price, status in _fetch(rows, paged):
        yield {
            "order": pk,
            "day": at,
            "store": store,
            "salesperson": name(person),
            "customer": customer,
            "car": car_name(brand, model),
            "price": price,
            "status": OrderStatus(status).label,
            "_key": key_of(at, pk),
        }


def deal_list(w: Window, after: str = "", paged: bool = False) -> Report:
    columns = [
        Column("order", _("Order"), TEXT),
        Column("day", _("Day"), "day"),
        Column("store", _("Store"), TEXT),
        Column("salesperson", _("Salesperson"), TEXT),
        Column("customer", _("Customer"), TEXT),
        Column("car", _("Car"), TEXT),
        Column("price", _("Price"), YUAN),
        Column("status", _("Status"), TEXT),
    ]
    rows = deal_rows(w, parse_after(after), paged)
    return Report("deals", _("Deal list"), [Table(_("Deals in the range"), columns, rows, page_rows=PAGE_ROWS)])


def communication_rows(
    w: Window, after: tuple[datetime, int] | None = None, paged: bool = False
) -> Iterator[dict[str, Any]]:
    """The contact notes the funnel counts: written in the range, of the customer's home store, by author."""
    notes = measures.communications(w).filter(at__gte=w.since, at__lt=w.until)
    if paged:
        # A page's ids first, from indexes alone (the notes' time, id and customer; the customers' id and store),
        # then its rows: a note's store is its customer's, so a store's page otherwise reads every note of the
        # month, and its customer, until it has found a page of the store's.
        page = _page(notes, "at", after, paged).values("pk")
        notes = Communication.objects.filter(pk__in=page)
    rows = _page(notes, "at", None if paged else after, paged).values_list(
        "id", "at", "customer__home_store__name", "author_id", "customer_id", "customer__name", "channel", "outcome"
    )
    name = _Names(w)
    channels, outcomes = dict(ContactChannel.choices), dict(ContactOutcome.choices)
    for pk, at, store, author, customer_id, customer, channel, outcome in _fetch(rows, paged):
        yield {
            "at": at,
            "store": store,
            "author": name(author),
            "customer": customer,
            "channel": channels.get(channel, channel),
            "outcome": outcomes.get(outcome, outcome),
            "_links": {"customer": measures.customer_page(customer_id)},
            "_key": key_of(at, pk),
        }


def communication_list(w: Window, after: str = "", paged: bool = False) -> Report:
    columns = [
        Column("at", _("Time"), TIME),
        Column("store", _("Store"), TEXT),
        Column("author", _("Written by"), TEXT),
        Column("customer", _("Customer"), TEXT),
        Column("channel", _("Channel"), TEXT),
        Column("outcome", _("Outcome"), TEXT),
    ]
    rows = communication_rows(w, parse_after(after), paged)
    return Report(
        "communications",
        _("Communication list"),
        [Table(_("Communications in the range"), columns, rows, page_rows=PAGE_ROWS)],
    )


def visit_rows(w: Window, after: tuple[datetime, int] | None = None, paged: bool = False) -> Iterator[dict[str, Any]]:
    """The visits booked the funnel counts: store visits and test drives taking place in the range, of the
    appointment's store, by who booked them."""
    visits = measures.appointments(w).filter(at__gte=w.since, at__lt=w.until)
    rows = _page(visits, "at", after, paged).values_list(
        "id", "at", "store__name", "created_by_id", "customer_id", "customer__name", "kind", "intended_model"
    )
    name = _Names(w)
    kinds = dict(AppointmentKind.choices)
    for pk, at, store, booker, customer_id, customer, kind, model in _fetch(rows, paged):
        yield {
            "at": at,
            "store": store,
            "booked_by": name(booker),
            "customer": customer,
            "kind": kinds.get(kind, kind),
            "model": model,
            "_links": {"customer": measures.customer_page(customer_id)},
            "_key": key_of(at, pk),
        }


def visit_list(w: Window, after: str = "", paged: bool = False) -> Report:
    columns = [
        Column("at", _("Time"), TIME),
        Column("store", _("Store"), TEXT),
        Column("booked_by", _("Booked by"), TEXT),
        Column("customer", _("Customer"), TEXT),
        Column("kind", _("Kind"), TEXT),
        Column("model", _("Intended model"), TEXT),
    ]
    rows = visit_rows(w, parse_after(after), paged)
    return Report(
        "visits", _("Visits booked"), [Table(_("Visits booked in the range"), columns, rows, page_rows=PAGE_ROWS)]
    )


LISTS: dict[str, tuple[Any, Callable[..., Report]]] = {
    "deals": (_("Deal list"), deal_list),
    "communications": (_("Communication list"), communication_list),
    "visits": (_("Visits booked"), visit_list),
}
