"""Customers and the pool: create, edit, release, reassign, hand over, membership cards."""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from engine import api as engine

from .. import history
from ..automation.scoring import score_customers
from ..automation.texts import text
from ..errors import NotPermitted
from ..fields import CUSTOMER_FIELDS
from ..identifiers import phone_hashes, phone_mask, phone_normalize
from ..models import Customer, CustomerPhone, LeadIntake, MembershipCard, Role, Source, Stage, Store, Tag
from ..names import name_keys
from ..scopes import can_manage_customer, customers_visible_to, scope_of, staff_visible_to
from .common import clean_or_raise, visible_or_raise
from .notices import new_owner_notice

_KEEP = object()


def _phone_numbers(raw_phones: Iterable[str]) -> list[str]:
    numbers: list[str] = []
    for raw in raw_phones:
        if raw and raw.strip():
            number = phone_normalize(raw, field="phones")
            if number not in numbers:
                numbers.append(number)
    return numbers


def phones_check_free(numbers: list[str], *, customer: Customer | None = None) -> None:
    """Refuse a phone that already belongs to another customer: one phone, one customer."""
    hashes = [h for n in numbers for h in phone_hashes(n)]
    taken = CustomerPhone.objects.filter(number_hash__in=hashes).select_related(
        "customer__owner", "customer__home_store"
    )
    if customer is not None and customer.pk:
        taken = taken.exclude(customer=customer)
    problems = []
    for row in taken:
        other = row.customer
        if other.owner is not None:
            problem = _("Phone %(phone)s already belongs to customer #%(customer)s (owned by %(owner)s).") % {
                "phone": phone_mask(row.number),
                "customer": other.pk,
                "owner": other.owner.get_username(),
            }
        else:
            problem = _("Phone %(phone)s already belongs to customer #%(customer)s (in the pool of %(store)s).") % {
                "phone": phone_mask(row.number),
                "customer": other.pk,
                "store": other.home_store,
            }
        problems.append(problem)
    if problems:
        raise ValidationError({"phones": problems})


def _set_phones(customer: Customer, numbers: list[str]) -> None:
    # Numbers are sealed: compared here, after reading them, not in SQL.
    have = dict(customer.phones.values_list("pk", "number"))
    customer.phones.filter(pk__in=[pk for pk, number in have.items() if number not in numbers]).delete()
    existing = set(have.values())
    for position, number in enumerate(numbers):
        if number not in existing:
            CustomerPhone.objects.create(customer=customer, number=number, primary=position == 0)
    customer.phones.update(primary=False)
    if numbers:
        customer.phones.filter(number_hash__in=phone_hashes(numbers[0])).update(primary=True)


def _set_tags(customer: Customer, tags: Iterable[str]) -> None:
    names = sorted({t.strip()[:40] for t in tags if t and t.strip()})
    customer.tags.set([Tag.objects.get_or_create(name=n)[0] for n in names])


def _apply_name_keys(customer: Customer) -> None:
    customer.name_key, customer.name_pinyin, customer.name_initials = name_keys(customer.name)


def _save_phones(customer: Customer, numbers: list[str]) -> None:
    try:
        with transaction.atomic():
            _set_phones(customer, numbers)
    except IntegrityError:
        # Another request stored the same phone after our check: the unique hash refuses it.
        phones_check_free(numbers, customer=customer)
        raise


@transaction.atomic
def customer_find_or_create(
    *, phone: str, new: Callable[[], Customer], by: Any = None, note: str = ""
) -> tuple[Customer, bool]:
    """Find the customer who has this phone number, pooled or owned (same phone: one customer), or
    create the prospect ``new()`` builds, with it as their primary phone. (customer, created)."""
    number = phone_normalize(phone)
    match = CustomerPhone.objects.filter(number_hash__in=phone_hashes(number)).select_related("customer").first()
    if match is not None:
        return match.customer, False
    customer = new()
    _apply_name_keys(customer)
    clean_or_raise(customer, exclude=["owner", "home_store"])
    customer.save()
    _save_phones(customer, [number])
    if note:
        history.record_diff(customer, {}, actor=by, note=note)
    return customer, True


@transaction.atomic
def customer_create(
    *,
    by: Any,
    phones: list[str],
    home_store: Store | None = None,
    owner: Any = _KEEP,
    tags: Iterable[str] = (),
    fields: dict[str, Any],
) -> Customer:
    """A new prospect. A salesperson who enters one (walk-in, car show, ...) owns it from the start;
    anyone else's goes to the home store's pool unless they name an owner."""
    scope = scope_of(by)
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("Not a customer field.")))
    if home_store is None:
        home_store = getattr(getattr(by, "staff", None), "store", None)
    if home_store is None:
        raise ValidationError({"home_store": _("Choose the customer's home store.")})
    if not (scope.everything or scope.holds_in(home_store.pk, Role.SALES, Role.STORE_MANAGER)):
        raise NotPermitted(_("You cannot add customers to %(store)s.") % {"store": home_store})
    if owner is _KEEP:
        owner = by if scope.holds_in(home_store.pk, Role.SALES) else None
    customer = Customer(home_store=home_store, owner=owner, **fields)
    _apply_name_keys(customer)
    numbers = _phone_numbers(phones)
    if not numbers:
        raise ValidationError({"phones": _("At least one phone number is needed.")})
    clean_or_raise(customer, exclude=["owner", "home_store"])
    phones_check_free(numbers)
    customer.save()
    _save_phones(customer, numbers)
    _set_tags(customer, tags)
    history.record_diff(customer, {}, actor=by, note=gettext_noop("created"))
    score_customers([customer.pk])
    return customer


@transaction.atomic
def customer_update(
    *,
    customer_id: int,
    by: Any,
    fields: dict[str, Any],
    phones: list[str] | None = None,
    tags: Iterable[str] | None = None,
) -> Customer:
    customer = visible_or_raise(customers_visible_to(by).select_for_update(), customer_id, "customer")
    if not can_manage_customer(by, customer):
        raise NotPermitted(_("Only the owner, the store manager or hq can edit this customer."))
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("Not a customer field.")))
    before = history.snapshot(customer)
    for name, value in fields.items():
        setattr(customer, name, value)
    _apply_name_keys(customer)
    clean_or_raise(customer, exclude=["owner", "home_store"])
    numbers = _phone_numbers(phones) if phones is not None else None
    if numbers is not None:
        if not numbers:
            raise ValidationError({"phones": _("At least one phone number is needed.")})
        phones_check_free(numbers, customer=customer)
    customer.save()
    if numbers is not None:
        _save_phones(customer, numbers)
    if tags is not None:
        _set_tags(customer, tags)
    history.record_diff(customer, before, actor=by)
    score_customers([customer.pk])  # intent, budget, source and timing count in the score
    customer.refresh_from_db(fields=["score", "score_reasons"])
    return customer


@transaction.atomic
def customer_release(*, customer_id: int, by: Any) -> Customer:
    """The owner (or their manager) gives a prospect back to the home store's pool."""
    customer = visible_or_raise(customers_visible_to(by), customer_id, "customer")
    if not can_manage_customer(by, customer):
        raise NotPermitted(_("Only the owner or the store manager can release this prospect."))
    if customer.stage != Stage.PROSPECT:
        raise ValidationError(
            {"stage": _("%(customer)s is a customer; the pool holds prospects only.") % {"customer": customer}}
        )
    if customer.owner_id is None:
        raise ValidationError({"owner": _("%(customer)s is already in the pool.") % {"customer": customer}})
    # Conditional on the owner we read: a concurrent reassignment is not silently undone.
    rows = Customer.objects.filter(pk=customer.pk, owner_id=customer.owner_id).update(
        owner=None, pooled_at=engine.now()
    )
    if rows != 1:
        raise ValidationError(
            {"owner": _("%(customer)s changed owner meanwhile; reload and try again.") % {"customer": customer}}
        )
    history.record_change(customer, "owner", customer.owner, None, actor=by, note=gettext_noop("released to the pool"))
    customer.owner, customer.pooled_at = None, Customer.objects.values_list("pooled_at", flat=True).get(pk=customer.pk)
    return customer


def _active_sales(user: Any, store_id: int | None, field: str) -> Any:
    from ..grants import grants_for

    grants = grants_for(user)
    if not any(role == Role.SALES and (sid is None or sid == store_id) for role, sid in grants):
        raise ValidationError(
            {field: _("%(username)s is not an active salesperson of this store.") % {"username": user.get_username()}}
        )
    return user


@transaction.atomic
def customer_assign(*, customer_id: int, by: Any, owner: Any) -> Customer:
    """A store manager (or hq) gives a customer to a named salesperson."""
    customer = visible_or_raise(customers_visible_to(by).select_for_update(), customer_id, "customer")
    scope = scope_of(by)
    if not (scope.everything or scope.holds_in(customer.home_store_id, Role.STORE_MANAGER)):
        raise NotPermitted(_("Only the store manager or hq can reassign a customer."))
    _active_sales(owner, customer.home_store_id, "owner")
    old = customer.owner
    Customer.objects.filter(pk=customer.pk).update(owner=owner, pooled_at=None)
    history.record_change(customer, "owner", old, owner, actor=by, note=gettext_noop("reassigned"))
    customer.owner = owner
    if old != owner:
        new_owner_notice(customer, by=by)
    return customer


@transaction.atomic
def staff_handover(*, leaver: Any, by: Any, prospects_to: Any | None, customers_to: Any | None) -> dict[str, int]:
    """Hand everything a departing salesperson owns to the pool or colleagues, audited per customer.

    Prospects go to ``prospects_to`` or, if None, to their home store's pool; closed
    customers must go to a named colleague (the pool holds prospects only).
    """
    staff = visible_or_raise(staff_visible_to(by), getattr(getattr(leaver, "staff", None), "pk", None), "staff")
    owned = Customer.objects.select_for_update().filter(owner=leaver)
    prospects = list(owned.filter(stage=Stage.PROSPECT))
    closed = list(owned.filter(stage=Stage.CUSTOMER))
    if prospects_to is not None:
        _active_sales(prospects_to, staff.store_id, "prospects_to")
    if closed and customers_to is None:
        raise ValidationError(
            {
                "customers_to": ngettext(
                    "%(username)s has %(count)s customer; name the colleague who takes them.",
                    "%(username)s has %(count)s customers; name the colleague who takes them.",
                    len(closed),
                )
                % {"username": leaver.get_username(), "count": len(closed)}
            }
        )
    if customers_to is not None:
        _active_sales(customers_to, staff.store_id, "customers_to")
    for pk_list, target, label in (
        ([c.pk for c in prospects], prospects_to, "prospects"),
        ([c.pk for c in closed], customers_to, "customers"),
    ):
        if not pk_list:
            continue
        # Only rows still owned by the leaver: a prospect taken over meanwhile stays with its new owner.
        Customer.objects.filter(pk__in=pk_list, owner=leaver).update(
            owner=target, pooled_at=None if target is not None else engine.now()
        )
        note = f"handover of {leaver.get_username()}'s {label}"
        for customer in prospects if label == "prospects" else closed:
            history.record_change(customer, "owner", leaver, target, actor=by, note=note)
    # Their open work follows the customers; the rest goes back to its role's queue.
    successors = {f"customer:{c.pk}": prospects_to for c in prospects if prospects_to is not None}
    successors.update({f"customer:{c.pk}": customers_to for c in closed})
    work = engine.hand_over(leaver=leaver, successors=successors, actor=by)
    return {"prospects": len(prospects), "customers": len(closed), **{f"items_{k}": v for k, v in work.items()}}


@transaction.atomic
def membership_card_issue(
    *,
    by: Any,
    store: Store,
    name: str,
    phone: str,
    number: str,
    level: str = "standard",
) -> MembershipCard:
    """Issue a card; the holder is matched by phone against every customer record, pooled or owned
    (same phone: one customer). Without a match a new prospect is created in the store's pool."""
    scope = scope_of(by)
    if not (scope.everything or scope.holds_in(store.pk, Role.SALES, Role.STORE_MANAGER, Role.SERVICE)):
        raise NotPermitted(_("You cannot issue cards in %(store)s.") % {"store": store})
    normalized = phone_normalize(phone)
    if MembershipCard.objects.filter(number=number).exists():
        raise ValidationError({"number": _("Card number %(number)s is already issued.") % {"number": number}})
    customer, created = customer_find_or_create(
        phone=normalized,
        by=by,
        note=gettext_noop("created for a membership card"),
        new=lambda: Customer(name=name, home_store=store, source=Source.WALK_IN, sub_channel="membership card"),
    )
    if not created and MembershipCard.objects.filter(customer=customer).exists():
        raise ValidationError(
            {"phone": _("Customer #%(customer)s already holds a membership card.") % {"customer": customer.pk}}
        )
    LeadIntake.objects.create(
        customer=customer,
        source=customer.source,
        channel="membership_card",
        received={"name": name, "card": number},
        merged=not created,
        routed_store=customer.home_store,
        routed_owner=customer.owner,
        created_by=by,
        routing_reasons=[
            text(gettext_noop("new prospect in the store pool")) if created else text(gettext_noop("matched by phone"))
        ],
    )
    return MembershipCard.objects.create(customer=customer, number=number, level=level, issued_by=by, store=store)
