"""Lead intake: web form, REST, CSV/Excel import and cards all come through ``lead_receive``.

A lead creates the prospect, or merges into the customer who has the same phone,
records a LeadIntake, and starts the lead-to-cash process, whose first step
(``crm.lead_route``) decides where the prospect goes.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from engine import api as engine

from .. import events
from ..automation.routing import lead_fact, route
from ..automation.texts import shown_all, text
from ..identifiers import phone_normalize
from ..models import Customer, IntentLevel, LeadIntake, Source, Store
from .customers import customer_find_or_create

LEAD_PROCESS = "lead_to_cash"
REQUIRED_COLUMNS = ["name", "phone"]
OPTIONAL_COLUMNS = [
    "email",
    "source",
    "sub_channel",
    "intent_level",
    "budget_min",
    "budget_max",
    "note",
    "store",
    "region",
]


def default_lead_store() -> Store:
    name = settings.LOTFLOW_DEFAULT_LEAD_STORE
    store = Store.objects.filter(name=name).first() if name else Store.objects.order_by("pk").first()
    if store is None:
        raise ValidationError({"store": _("No store exists to receive leads (set LOTFLOW_DEFAULT_LEAD_STORE).")})
    return store


def _int_or_none(value: Any, field_name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).replace(",", "").strip())
    except ValueError:
        raise ValidationError({field_name: _("“%(value)s” is not a whole number.") % {"value": value}}) from None
    if number < 0:
        raise ValidationError({field_name: _("“%(value)s” is negative.") % {"value": value}})
    return number


def asked_store(store: Any = None, region: Any = None) -> tuple[Store | None, str]:
    """The store (by id or name) and region a lead asks for; either may be empty.

    A store or region the group does not have is refused, naming the field, before anything is saved.
    """
    wanted = store.pk if isinstance(store, Store) else str(store if store is not None else "").strip()
    region = str(region if region is not None else "").strip()
    found = None
    if wanted != "":
        by_id = isinstance(wanted, int) or wanted.isdigit()
        found = Store.objects.filter(**({"pk": int(wanted)} if by_id else {"name": wanted})).first()
        if found is None:
            raise ValidationError(
                {"store": _("We have no store “%(store)s”; choose one of our stores.") % {"store": wanted}}
            )
    if region and not Store.objects.filter(region=region).exists():
        raise ValidationError({"region": _("We have no store in the region “%(region)s”.") % {"region": region}})
    return found, region or (found.region if found else "")


@transaction.atomic
def lead_receive(
    *,
    name: str,
    phone: str,
    channel: str,
    source: str = Source.WEBSITE,
    by: Any = None,
    email: str = "",
    sub_channel: str = "",
    intent_level: str = "",
    budget_min: Any = None,
    budget_max: Any = None,
    note: str = "",
    store: Any = None,
    region: Any = None,
    received: dict | None = None,
) -> LeadIntake:
    """Create or merge the prospect (same phone, same customer) and start the lead-to-cash process.

    ``store`` (a Store, its id or its name) and ``region`` are what the lead asks for: the
    lead_routing rules see them as the lead's ``store`` (its name) and ``region`` facts.
    """
    number = phone_normalize(phone)
    given = received or {}
    # A caller that sends the raw request only (its "store" and "region" keys) is read the same way.
    asked, asked_region = asked_store(
        store if store not in (None, "") else given.get("store"),
        region if region not in (None, "") else given.get("region"),
    )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A lead needs a name.")})
    if source not in Source.values:
        raise ValidationError(
            {
                "source": _("“%(value)s” is not one of %(allowed)s.")
                % {"value": source, "allowed": ", ".join(Source.values)}
            }
        )
    if intent_level and intent_level not in IntentLevel.values:
        raise ValidationError(
            {
                "intent_level": _("“%(value)s” is not one of %(allowed)s.")
                % {"value": intent_level, "allowed": ", ".join(IntentLevel.values)}
            }
        )
    low, high = _int_or_none(budget_min, "budget_min"), _int_or_none(budget_max, "budget_max")
    customer, created = customer_find_or_create(
        phone=number,
        by=by,
        new=lambda: Customer(
            name=name,
            email=email,
            source=source,
            sub_channel=sub_channel,
            intent_level=intent_level or IntentLevel.MEDIUM,
            budget_min=low,
            budget_max=high,
            home_store=default_lead_store(),
        ),
    )
    if not created and email and not customer.email:
        customer.email = email
        customer.save(update_fields=["email"])
    kept = (
        dict(received)
        if received is not None
        else {"name": name, "email": email, "note": note, "sub_channel": sub_channel}
    )
    # What routing reads: the asked store by name, whatever the caller sent (an id, a name, nothing).
    kept["store"] = asked.name if asked else ""
    kept["region"] = asked_region
    lead = LeadIntake.objects.create(
        customer=customer,
        source=source,
        channel=channel,
        merged=not created,
        created_by=by,
        received=kept,
    )
    result = engine.start(
        LEAD_PROCESS,
        business_key=f"lead:{lead.pk}",
        user=by,
        data={
            "store_id": customer.home_store_id,
            "customer_id": customer.pk,
            "lead_id": lead.pk,
            "customer_name": customer.name,
        },
    )
    LeadIntake.objects.filter(pk=lead.pk).update(process_instance_id=result.instance_id)
    lead.refresh_from_db()
    return lead


def lead_route(*, lead_id: int) -> dict[str, Any]:
    """Where a lead goes, and why: a customer someone owns stays with them; anyone else
    goes where the lead_routing rules say (a store's pool, or one of its salespeople)."""
    lead = LeadIntake.objects.select_related("customer__owner", "customer__home_store").get(pk=lead_id)
    customer = lead.customer
    if customer.owner is not None:
        store, owner = customer.home_store, customer.owner
        reasons = [
            text(
                gettext_noop("same phone as customer #%(customer)s, owned by %(username)s"),
                customer=customer.pk,
                username=customer.owner.get_username(),
            )
        ]
    else:
        routing = route(lead_fact(lead), default_lead_store())
        store, owner, reasons = routing.store, routing.owner, routing.reasons
        if lead.merged:
            reasons.insert(
                0, text(gettext_noop("same phone as prospect #%(customer)s, who was in the pool"), customer=customer.pk)
            )
        moved = Customer.objects.filter(pk=customer.pk, owner__isnull=True).update(
            home_store=store, owner=owner, **({"pooled_at": None} if owner is not None else {})
        )
        if moved and store.pk != customer.home_store_id:
            events.customer_moved.send(
                sender=Customer, customer_id=customer.pk, old_store=customer.home_store_id, new_store=store.pk
            )
    LeadIntake.objects.filter(pk=lead.pk).update(routed_store=store, routed_owner=owner, routing_reasons=reasons)
    # Stored as messages (each reader's language); the process gets them in the group's language.
    return {"store_id": store.pk, "owner": owner.get_username() if owner else "", "reasons": shown_all(reasons)}
