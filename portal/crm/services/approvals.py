"""Managers' approvals in one place: the open approval steps a person may decide, and deciding them.

Each decision completes one work item through ``engine.api.complete``, which saves it in its own
transaction: a bulk decision where some items were decided first (or are refused) does the rest
and reports each of those by itself; nothing is half-applied.
"""

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from engine import api
from portal.ui.people import display_name

from ..models import Customer, Order, Store, Transfer
from ..scopes import Scope, can_see_cost, scope_of


@dataclass(frozen=True)
class Decision:
    """What a step's form expects: the decision's values for yes and no, and the field for the comment."""

    yes: str
    no: str
    comment: str


# (process, element) -> the form fields of that approval step (processes/forms/*.json).
APPROVAL_STEPS: dict[tuple[str, str], Decision] = {
    ("order_change", "ManagerApproval"): Decision("approve", "reject", "comment"),
    ("order_change", "HqApproval"): Decision("approve", "reject", "comment"),
    ("vehicle_transfer", "ReviewDraft"): Decision("submit", "discard", "note"),
    ("vehicle_transfer", "Approve"): Decision("approve", "reject", "note"),
    ("vehicle_transfer", "HqApprove"): Decision("approve", "reject", "note"),
    ("complaint", "ManagerApproval"): Decision("approve", "reject", "comment"),
    ("vehicle_acquisition", "ReviewRequest"): Decision("approve", "reject", "note"),
    ("vehicle_acquisition", "ApproveOffer"): Decision("approve", "reject", "note"),
}

CHANGE_KINDS = {
    "configuration": pgettext_lazy("order change", "Configuration"),
    "price": pgettext_lazy("order change", "Price"),
    "delivery_date": pgettext_lazy("order change", "Delivery date"),
    "payment_method": pgettext_lazy("order change", "Payment method"),
}


@dataclass
class Approval:
    item: Any
    process: str
    requester: Any
    link: str = ""
    facts: list[tuple[str, Any]] = field(default_factory=list)
    money: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    item_id: int
    done: bool
    message: str


def is_approval(item: Any) -> bool:
    return (item.process_id, item.element_id) in APPROVAL_STEPS


def approvals_for(user: Any) -> list[Approval]:
    """The open approval steps ``user`` may decide now (their own and their roles' queues), oldest first."""
    inbox = api.inbox_for(user, sort="due")
    items = [i for i in [*inbox.mine, *inbox.claimable] if is_approval(i)]
    if not items:
        return []
    api.localize_items(items)
    names = api.process_names({i.process_id for i in items})
    scope = scope_of(user)
    refs = _records([i.subject_ref for i in items])
    starters = {
        row.pk: row.started_by
        for row in api.ProcessInstance.objects.filter(pk__in={i.instance_id for i in items}).select_related(
            "started_by"
        )
    }
    return [_approval(i, names, refs, scope, starters.get(i.instance_id or 0)) for i in items]


def _records(refs: list[str]) -> dict[str, Any]:
    """subject ref ("order:5") -> its record, a query per kind of record."""
    wanted: dict[str, set[int]] = {}
    for ref in refs:
        kind, _sep, pk = ref.partition(":")
        if pk.isdigit():
            wanted.setdefault(kind, set()).add(int(pk))
    models: dict[str, Any] = {
        "order": Order.objects.select_related("vehicle", "customer", "salesperson", "store"),
        "transfer": Transfer.objects.select_related("vehicle", "from_store", "to_store", "requested_by"),
        "customer": Customer.objects.all(),
        "store": Store.objects.all(),
    }
    found: dict[str, Any] = {}
    for kind, ids in wanted.items():
        if kind in models:
            found.update({f"{kind}:{row.pk}": row for row in models[kind].filter(pk__in=ids)})
    return found


def _approval(item: Any, names: dict[str, str], refs: dict[str, Any], scope: Scope, starter: Any) -> Approval:
    record = refs.get(item.subject_ref)
    values = item.values or {}
    approval = Approval(item=item, process=names.get(item.process_id, item.process_id), requester=starter)
    if isinstance(record, Order):
        approval.link = reverse("crm:customer", args=[record.customer_id])
        approval.requester = starter or record.salesperson
        approval.facts += [
            (_("Customer"), record.customer),
            (_("Car"), record.vehicle.name),
            (_("Store"), record.store),
            (_("What changes"), CHANGE_KINDS.get(values.get("change_kind", ""), values.get("change_kind", ""))),
            (_("Why"), values.get("change_reason", "")),
        ]
        approval.money += [(_("Order price"), record.price)]
        if values.get("discount_pct"):  # a price change's discount; 0 for other changes
            approval.facts.append((_("Discount"), f"{values['discount_pct']:g}%"))
    elif isinstance(record, Transfer):
        approval.link = reverse("crm:vehicle", args=[record.vehicle_id])
        approval.requester = record.requested_by or starter
        approval.facts += [
            (_("Car"), record.vehicle.name),
            (_("From"), record.from_store),
            (_("To"), record.to_store),
            (_("Why"), record.reason),
        ]
        approval.money.append((_("Asking price"), record.vehicle.asking_price))
        if can_see_cost(scope, record.vehicle.store_id) and record.vehicle.purchase_price is not None:
            approval.money.append((_("Purchase price"), record.vehicle.purchase_price))
    elif isinstance(record, Customer):
        approval.link = reverse("crm:customer", args=[record.pk])
        approval.facts += [(_("Customer"), record), (_("Resolution"), values.get("resolution", ""))]
        if values.get("compensation") is not None:
            approval.money.append((_("Compensation"), values["compensation"]))
    else:
        if isinstance(record, Store):
            approval.facts.append((_("Store"), record))
        approval.facts += [(_("Wanted"), values.get("wanted", "")), (_("Why"), values.get("reason", ""))]
        if values.get("offered_price") is not None:
            approval.money.append((_("Offer"), values["offered_price"]))
    approval.facts = [(label, value) for label, value in approval.facts if value not in ("", None)]
    return approval


def approvals_decide(*, by: Any, item_ids: list[int], approve: bool, comment: str = "") -> list[Outcome]:
    """Approve or reject each item, each in its own transaction; one outcome per item, in the order given."""
    return [_decide_one(by=by, item_id=item_id, approve=approve, comment=comment) for item_id in item_ids]


def _decide_one(*, by: Any, item_id: int, approve: bool, comment: str) -> Outcome:
    try:
        item = api.item_visible_to(item_id, by)
    except api.NotFound:
        return Outcome(item_id, False, _("Approval %(id)s is not one you can see.") % {"id": item_id})
    api.localize_item(item)
    subject = item.subject_label or item.title
    decision = APPROVAL_STEPS.get((item.process_id, item.element_id))
    if decision is None:
        return Outcome(item_id, False, _("%(subject)s: this is not an approval.") % {"subject": subject})
    if item.status != api.ItemStatus.OPEN:
        return Outcome(item_id, False, _stale(subject, item))
    data = {"decision": decision.yes if approve else decision.no}
    if comment:
        data[decision.comment] = comment
    try:
        api.complete(item_id, user=by, data=data)
    except api.Conflict:
        item.refresh_from_db()
        return Outcome(item_id, False, _stale(subject, item))
    except api.NotAllowed:
        return Outcome(
            item_id, False, _("%(subject)s: you may not decide this one; nothing changed.") % {"subject": subject}
        )
    except api.EngineError as err:
        return Outcome(
            item_id,
            False,
            _("%(subject)s was not decided, nothing changed: %(reason)s") % {"subject": subject, "reason": err},
        )
    done = _("%(subject)s: approved.") if approve else _("%(subject)s: rejected.")
    return Outcome(item_id, True, done % {"subject": subject})


def _stale(subject: str, item: Any) -> str:
    if item.completed_by_id is not None:
        return _("%(subject)s: %(person)s decided it first; nothing changed.") % {
            "subject": subject,
            "person": display_name(item.completed_by),
        }
    return _("%(subject)s is no longer waiting for a decision; nothing changed.") % {"subject": subject}
