"""Change history of customers, vehicles and orders, masked per viewer when shown.

Services call ``snapshot`` before a change and ``record_diff`` after it (or
``record_change`` for a single field). Values are stored as they were: masking
happens in ``history_for`` for each viewer, so a manager still sees the real
old ID number while a salesperson looking at the pool does not. The values of
personal fields (SEALED_FIELDS) are stored sealed, like the fields themselves
(portal.crm.crypto), and opened here when shown.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from portal.ui.people import display_name

from . import crypto
from .fields import CUSTOMER_FIELDS, VEHICLE_FIELDS
from .identifiers import phone_mask
from .labels import field_label
from .models import ChangeRecord, Customer, Order, Vehicle

TRACKED_FIELDS: dict[str, list[str]] = {
    "customer": [*CUSTOMER_FIELDS, "stage", "home_store", "owner"],
    "vehicle": [*VEHICLE_FIELDS, "store", "status", "customer"],
    "order": [
        "customer",
        "vehicle",
        "price",
        "payment_plan",
        "deposit",
        "delivery_at",
        "delivery_place",
        "status",
        "salesperson",
    ],
}
ENTITY_OF = {Customer: "customer", Vehicle: "vehicle", Order: "order"}
MASK = "•••"
# Shown only to those who may see the customer's identity (scopes.can_see_identity).
IDENTITY_FIELDS = {"id_number", "birthday"}
# Contact details: masked for a viewer who cannot see the customer at all
# (e.g. on a vehicle's history after the buyer moved out of their scope).
CONTACT_FIELDS = {"phones", "email", "wechat_id", "address"}
# Stored sealed: the personal values of the customer's own fields.
SEALED_FIELDS = {"id_number", "birthday", "phones", "email", "address"}
# The dealer's cost and margins: their rows are left out for a viewer who may not see them (scopes.can_see_cost).
COST_FIELDS = {"vehicle": {"purchase_price"}}


def _entity(instance: models.Model) -> str | None:
    return ENTITY_OF.get(type(instance))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return f"{value.pk}:{value}"
    return str(value)


def value_purpose(field: str) -> str:
    return f"crm.changerecord.{field}"


def sealed(field: str, value: str) -> str:
    """A value as a ChangeRecord stores it: sealed when the field is personal."""
    return crypto.seal_text(value, value_purpose(field)) if field in SEALED_FIELDS else value


def opened(field: str, value: str) -> str:
    return crypto.open_text(value, value_purpose(field)) if field in SEALED_FIELDS else value


def snapshot(instance: models.Model) -> dict[str, str]:
    entity = _entity(instance)
    values = {name: _text(getattr(instance, name)) for name in TRACKED_FIELDS.get(entity or "", [])}
    if isinstance(instance, Customer) and instance.pk:
        values["phones"] = ", ".join(instance.phones.order_by("-primary", "id").values_list("number", flat=True))
    return values


def record_diff(instance: models.Model, before: dict[str, str], *, actor: Any, note: str = "") -> int:
    entity = _entity(instance)
    if entity is None:
        return 0
    after = snapshot(instance)
    rows = [
        ChangeRecord(
            entity=entity,
            entity_id=instance.pk,
            field=name,
            old_value=sealed(name, before.get(name, "")),
            new_value=sealed(name, value),
            actor=actor if getattr(actor, "pk", None) else None,
            note=note,
        )
        for name, value in after.items()
        if before.get(name, "") != value
    ]
    ChangeRecord.objects.bulk_create(rows)
    return len(rows)


def record_change(instance: models.Model, field: str, old: Any, new: Any, *, actor: Any, note: str = "") -> None:
    entity = _entity(instance)
    if entity is None or _text(old) == _text(new):
        return
    ChangeRecord.objects.create(
        entity=entity,
        entity_id=instance.pk,
        field=field,
        old_value=sealed(field, _text(old)),
        new_value=sealed(field, _text(new)),
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )


def _mask(field: str, value: str) -> str:
    if not value:
        return value
    if field == "phones":
        return ", ".join(phone_mask(p.strip()) for p in value.split(","))
    return MASK


def history_for(instance: models.Model, viewer: Any, *, scope: Any = None) -> list[dict[str, Any]]:
    """The record's changes, newest first, with personal values masked for this viewer and the dealer's
    cost left out unless they may see it. A page that has the viewer's ``scope`` passes it (a query fewer)."""
    from .scopes import can_see_cost, can_see_identity, customers_visible_to, scope_of

    entity = _entity(instance)
    rows = ChangeRecord.objects.filter(entity=entity, entity_id=instance.pk).select_related("actor")
    cost_fields = COST_FIELDS.get(entity or "", set())
    if cost_fields and not can_see_cost(scope or scope_of(viewer), getattr(instance, "store_id", None)):
        rows = rows.exclude(field__in=cost_fields)
    hidden: set[str] = set()
    hidden_customer_refs = False
    if isinstance(instance, Customer) and not can_see_identity(viewer, instance):
        hidden = set(IDENTITY_FIELDS)
    if not isinstance(instance, Customer):
        hidden_customer_refs = True
        visible = set(customers_visible_to(viewer).filter(pk__in=_customer_ids(rows)).values_list("pk", flat=True))
    people = _people(type(instance), rows)
    out = []
    for row in rows:
        old, new = opened(row.field, row.old_value), opened(row.field, row.new_value)
        if row.field in hidden:
            old, new = _mask(row.field, old), _mask(row.field, new)
        elif hidden_customer_refs and row.field == "customer":
            old = old if _ref_id(old) in visible else _mask(row.field, old)
            new = new if _ref_id(new) in visible else _mask(row.field, new)
        out.append(
            {
                "at": row.at,
                "actor": display_name(row.actor) if row.actor else _("system"),
                "field": row.field,
                "label": field_label(row.field),
                "old": _shown(type(instance), row.field, old, people),
                "new": _shown(type(instance), row.field, new, people),
                # Notes are our own fixed sentences, marked with gettext_noop where they are written.
                "note": _(row.note) if row.note else "",
            }
        )
    return out


def _people(model: type[models.Model], rows: Any) -> dict[int, str]:
    """Colleagues named in the rows' owner/salesperson/... fields, by id: one query for the whole history."""
    user_fields = [f.name for f in model._meta.get_fields() if f.is_relation and f.related_model is get_user_model()]
    ids: set[int] = set()
    for row in rows:  # the rows the page reads anyway: no query unless someone is named
        if row.field in user_fields:
            ids.update(i for i in (_ref_id(row.old_value), _ref_id(row.new_value)) if i is not None)
    return {user.pk: display_name(user) for user in get_user_model().objects.filter(pk__in=ids)} if ids else {}


def _shown(model: type[models.Model], field: str, value: str, people: dict[int, str]) -> str:
    """A stored value as a person reads it: a choice by its label, a colleague by their name, a record by its
    name (not "3:广州天河店" or "9:wangfang")."""
    if not value or value == MASK or set(value) == {"•"}:
        return value
    try:
        model_field = model._meta.get_field(field)
    except FieldDoesNotExist:
        return value
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))  # type: ignore[union-attr]
    if model_field.is_relation and _ref_id(value) is not None:
        return people.get(_ref_id(value) or 0) or value.partition(":")[2] or value
    return value


def _ref_id(value: str) -> int | None:
    head = value.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def _customer_ids(rows: Any) -> set[int]:
    ids: set[int] = set()
    for old, new in rows.filter(field="customer").values_list("old_value", "new_value"):
        ids.update(i for i in (_ref_id(old), _ref_id(new)) if i is not None)
    return ids
