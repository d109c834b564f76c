"""What a report covers: a date range, the stores, the region and the salesperson, inside the viewer's scope.

Every report reads its records through ``portal.crm.scopes`` and then narrows them to ``Window.store_ids``:
a store manager's reports cover their stores, hq's every store; a store, region or person outside the
viewer's reach answers 404 (``OutOfScope``), as a record out of scope does on every other page. Days are
the group's (settings.TIME_ZONE): a range runs from the start of its first day to the end of its last.
"""

from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.crm.models import Role, Staff, Store
from portal.crm.scopes import EVERYWHERE, Scope, scope_of

# The longest range a report covers: two years of history plus the running one.
MAX_DAYS = 3 * 366


class OutOfScope(Exception):
    """A store, region or person the viewer may not report on (the view answers 404)."""


class BadRange(ValueError):
    """A date range a report cannot cover; the message says what is wrong, for the page."""


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def today() -> date:
    return timezone.localtime(timezone.now(), zone()).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), kept inside a shorter month (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def report_stores(scope: Scope) -> set[int] | str:
    """The stores whose figures the viewer reads: hq and admin every store, a store manager theirs."""
    if scope.everything:
        return EVERYWHERE
    return scope.stores(Role.STORE_MANAGER)


def may_read_reports(scope: Scope) -> bool:
    return bool(report_stores(scope))


@dataclass(frozen=True)
class Window:
    user: Any
    start: date
    end: date  # inclusive
    store_ids: tuple[int, ...]
    region: str = ""
    salesperson_id: int | None = None
    # What the viewer may choose from (the filter's lists): their stores and the people in them.
    stores: tuple[Store, ...] = field(default=(), compare=False)
    # Every store of the group (hq without a store or region filter): the measures then leave the store
    # condition out, so the database need not join each record to its store.
    everywhere: bool = False

    @property
    def since(self) -> datetime:
        return day_start(self.start)

    @property
    def until(self) -> datetime:
        """The first moment after the range."""
        return day_start(self.end + timedelta(days=1))

    def shifted(self, months: int) -> "Window":
        """The same range ``months`` earlier (negative) or later, for "vs last month / last year"."""
        start = add_months(self.start, months)
        end = add_months(self.end, months)
        if self.end == month_end(self.end):
            end = month_end(end)  # a whole month stays a whole month (Feb vs Mar)
        return replace(self, start=start, end=end)

    def query(self, **extra: Any) -> dict[str, str]:
        """The filter as query parameters (links to another report keep it)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.region:
            params["region"] = self.region
        if len(self.store_ids) == 1 and len(self.stores) > 1:
            params["store"] = str(self.store_ids[0])
        if self.salesperson_id:
            params["salesperson"] = str(self.salesperson_id)
        params.update({k: str(v) for k, v in extra.items()})
        return params


def parse_day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRange(
            _("%(field)s is not a date (write it as 2026-12-01): %(value)s") % {"field": name, "value": text[:20]}
        ) from None


def check_range(start: date, end: date) -> None:
    if end < start:
        raise BadRange(
            _("The range ends (%(end)s) before it starts (%(start)s).")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRange(
            _("A report covers at most %(days)s days; this range has %(count)s. Choose a shorter range.")
            % {"days": MAX_DAYS, "count": (end - start).days + 1}
        )


def window_for(user: Any, params: Any, *, default_start: date | None = None, default_end: date | None = None) -> Window:
    """The viewer's window from a page's query parameters.

    Raises OutOfScope (answer 404) for a store, region or person out of reach, BadRange for bad dates.
    """
    scope = scope_of(user)
    allowed = report_stores(scope)
    if not allowed:
        raise OutOfScope("no reports")
    stores = Store.objects.all() if allowed == EVERYWHERE else Store.objects.filter(pk__in=sorted(allowed))
    choices = tuple(stores.order_by("name"))
    chosen = list(choices)
    store = params.get("store") or ""
    if store:
        chosen = [s for s in choices if str(s.pk) == store]
        if not chosen:
            raise OutOfScope(store)
    region = (params.get("region") or "").strip()
    if region:
        chosen = [s for s in chosen if s.region == region]
        if not any(s.region == region for s in choices):
            raise OutOfScope(region)
    salesperson_id = None
    person = params.get("salesperson") or ""
    if person:
        if not person.isdigit() or len(person) > 18:
            raise OutOfScope(person)
        salesperson_id = int(person)
        if not people_of(choices).filter(user_id=salesperson_id).exists():
            raise OutOfScope(person)
    start = parse_day(params.get("start"), _("Start")) or default_start or month_start(today())
    end = parse_day(params.get("end"), _("End")) or default_end or today()
    check_range(start, end)
    everywhere = allowed == EVERYWHERE and not store and not region
    return Window(user, start, end, tuple(s.pk for s in chosen), region, salesperson_id, choices, everywhere)


def people_of(stores: tuple[Store, ...] | list[Store]) -> Any:
    """Sales staff of these stores (the salesperson filter's list)."""
    return Staff.objects.filter(store__in=[s.pk for s in stores], roles__role=Role.SALES).select_related("user")


def user_named(user_id: int) -> Any:
    return get_user_model().objects.filter(pk=user_id).first()
