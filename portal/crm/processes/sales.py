"""Service functions of the sales and complaint processes (lead_to_cash, order_change, complaint).

Each takes ids, usernames and small values from the process, calls a CRM service as
the person who did the step before, and returns a small JSON-able result.
"""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

from engine import api as engine
from engine.api import register_service
from portal.ui.people import display_name
from portal.ui.templatetags.lotflow import day, yuan

from ..automation.texts import english, text
from ..models import ContactChannel, Order
from ..services import sales_process as sales
from ..services.common import user_by_username as _user
from ..services.contacts import appointment_book, appointment_record_outcome
from ..services.customers import customer_assign
from ..services.vehicles import order_create, order_deliver, payment_record

# How the investigation of each category of complaint goes; shown to the handler at that step.
INVESTIGATION_STEPS = {
    "vehicle_quality": "1. Book the car into the workshop. 2. Ask service for a diagnosis. "
    "3. Check the warranty and the pre-delivery inspection record.",
    "service_quality": "1. Read the service record. 2. Talk to the technician and the advisor. "
    "3. Check the invoice against the work done.",
    "sales_process": "1. Read the order and the contact history. 2. Talk to the salesperson. "
    "3. Compare what was promised with the contract.",
    "billing": "1. Ask finance for the payments of the order. 2. Compare them with the contract and invoice.",
    "other": "1. Call the customer to understand the problem. 2. Find who in the store can fix it.",
}


def _duration(iso: str) -> timedelta:
    """PT2H, PT24H, P2D (what the complaint's SLA property holds) as a timedelta."""
    text = iso.upper()
    days = int(text[1 : text.index("D")]) if "D" in text else 0
    hours = int(text[text.index("T") + 1 : text.index("H")]) if "H" in text else 0
    return timedelta(days=days, hours=hours)


# --- lead_to_cash --------------------------------------------------------------------


@register_service("crm.contact_record")
def contact_record(*, customer_id: int, by: str, outcome: str, notes: str) -> str:
    """The first contact: a pool prospect becomes the caller's. Returns the owner's username."""
    customer = sales.prospect_first_contact(customer_id=customer_id, by=_user(by), outcome=outcome, notes=notes)
    return customer.owner.get_username() if customer.owner else ""


@register_service("crm.customer_reassign")
def customer_reassign(*, customer_id: int, by: str, to: str) -> str:
    """A store manager gives the prospect to a colleague after a late first contact."""
    customer_assign(customer_id=customer_id, by=_user(by), owner=_user(to))
    return to


@register_service("crm.customer_qualify")
def customer_qualify(
    *, customer_id: int, by: str, intent_level: str, vehicle_type: str, budget_max: int, needs: str
) -> bool:
    sales.prospect_qualify(
        customer_id=customer_id,
        by=_user(by),
        intent_level=intent_level,
        vehicle_type=vehicle_type,
        budget_max=budget_max,
        needs=needs,
    )
    return True


@register_service("crm.appointment_book")
def appointment_book_service(*, customer_id: int, by: str, kind: str, at: str, model: str) -> int:
    """A visit or test drive; a test drive also plans the owner's follow-up call (a reminder)."""
    appointment = appointment_book(
        customer_id=customer_id, by=_user(by), kind=kind, at=sales.parse_when(at), intended_model=model
    )
    return appointment.pk


@register_service("crm.appointment_outcome")
def appointment_outcome(*, appointment_id: int, by: str, result: str, impressions: str) -> bool:
    appointment_record_outcome(appointment_id=appointment_id, by=_user(by), outcome=result, impressions=impressions)
    return True


@register_service("crm.order_place")
def order_place(
    *, customer_id: int, by: str, vehicle_id: int, price: int, payment_plan: str, deposit: int, delivery_date: str
) -> int:
    """The order: it reserves the car. Returns the order's id."""
    order = order_create(
        by=_user(by),
        customer_id=customer_id,
        vehicle_id=vehicle_id,
        price=price,
        payment_plan=payment_plan,
        deposit=deposit,
        delivery_at=sales.delivery_datetime(delivery_date),
    )
    return order.pk


@register_service("crm.payment_record")
def payment_record_service(*, order_id: int, by: str, method: str, amount: int) -> str:
    payment_record(order_id=order_id, by=_user(by), method=method, amount=amount)
    return str(Order.objects.values_list("status", flat=True).get(pk=order_id))


@register_service("crm.order_settle")
def order_settle(*, order_id: int, by: str, method: str) -> str:
    """The balance is paid (or the loan disbursed): the order is paid and the prospect a customer."""
    return str(sales.order_settle(order_id=order_id, by=_user(by), method=method).status)


@register_service("crm.order_cancel_refund")
def order_cancel_refund(*, order_id: int, by: str, method: str, reference: str, reason: str) -> str:
    return str(
        sales.order_cancel_refund(
            order_id=order_id, by=_user(by), method=method, reference=reference, reason=reason
        ).status
    )


@register_service("crm.order_deliver")
def order_deliver_service(*, order_id: int, by: str, delivered_at: str) -> str:
    """The handover: the order is delivered, the car sold, and its maintenance plan set."""
    return str(order_deliver(order_id=order_id, by=_user(by), delivered_at=sales.parse_when(delivered_at)).status)


@register_service("crm.aftercare_record")
def aftercare_record(
    *,
    customer_id: int,
    order_id: int,
    by: str,
    card_level: str,
    insurer: str,
    compulsory_policy: str,
    commercial_policy: str,
    expires_on: str,
) -> dict[str, Any]:
    return sales.sale_aftercare(
        customer_id=customer_id,
        order_id=order_id,
        by=_user(by),
        card_level=card_level,
        insurer=insurer,
        compulsory_policy=compulsory_policy,
        commercial_policy=commercial_policy,
        expires_on=date.fromisoformat(expires_on),
    )


@register_service("crm.customer_lost")
def customer_lost(*, customer_id: int, by: str, reason: str) -> str:
    """The lost branch: the reason goes on the customer's record."""
    sales.prospect_lost(customer_id=customer_id, by=_user(by), reason=reason)
    return reason[:200]


# --- order_change ----------------------------------------------------------------------


@register_service("crm.order_summary")
def order_summary(*, order_id: int) -> dict[str, Any]:
    return sales.order_summary(order_id=order_id)


@register_service("crm.order_change_apply")
def order_change_apply(*, order_id: int, by: str, kind: str, value: Any, reason: str) -> bool:
    """Apply the approved change with history, and tell the order's salesperson."""
    approver = _user(by)
    order = sales.order_change_apply(order_id=order_id, by=approver, kind=kind, value=value, reason=reason)
    title = text(
        gettext_noop("Order #%(order)s: the %(what)s is now %(value)s (approved by %(manager)s)"),
        order=order.pk,
        what=_CHANGED.get(kind) or text(gettext_noop("order")),
        value=_changed_value(kind, value),
        manager=display_name(approver),
    )
    _notice(order.salesperson, title, order)
    return True


@register_service("crm.order_change_rejected")
def order_change_rejected(*, order_id: int, to: str, by: str, comment: str) -> bool:
    """Tell the requester their change was rejected; the order stays as it was."""
    title = text(
        gettext_noop("Order #%(order)s: %(manager)s rejected your change: %(comment)s"),
        order=order_id,
        manager=display_name(_user(by)),
        comment=comment,
    )
    _notice(_user(to), title, Order.objects.select_related("customer").get(pk=order_id))
    return False


# What an approved change changed, named for the salesperson's notice (order_change_request.json's choices).
_CHANGED = {
    "configuration": text(gettext_noop("configuration")),
    "price": text(gettext_noop("price")),
    "delivery_date": text(gettext_noop("delivery date")),
    "payment_method": text(gettext_noop("payment method")),
}
# The payment plans' labels as portal.crm.models.choices.PaymentPlan marks them (context "payment plan").
_PLANS = {"full": "Full payment", "loan": "Loan"}


def _changed_value(kind: str, value: Any) -> Any:
    """The new value as people write it: an amount grouped (¥146,000), a plan by its label, a date
    in each reader's language."""
    if kind == "price":
        return yuan(value)
    if kind == "payment_method" and value in _PLANS:
        return engine.message(_PLANS[value], context="payment plan")
    if kind == "delivery_date":
        try:
            moved = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return {"texts": _each_language(lambda: day(moved)), "drawn": str(value)}
    return str(value)


def _each_language(write: Any) -> dict[str, str]:
    """``write()`` in every language of the portal, for a value stored once and read in any."""
    written = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            written[code.lower()] = str(write())
    return written


def _notice(user: Any, title: dict[str, Any], order: Order) -> None:
    """A notice about an order, titled in each reader's language; its subject names the customer and
    the order's number, which read the same in every language."""
    engine.create_item(
        kind="notice",
        title=english(title),
        texts={"title": title},
        assignee=user,
        subject_label=f"{order.customer.name} · #{order.pk}",
        subject_ref=f"order:{order.pk}",
    )


# --- complaint -------------------------------------------------------------------------


@register_service("crm.complaint_record")
def complaint_record(
    *,
    complaint_id: int,
    customer_id: int,
    store_id: int,
    by: str,
    channel: str,
    category: str,
    severity: str,
    description: str,
    vehicle_id: int,
    ack_sla: str,
) -> dict[str, Any]:
    """Record the complaint (or complete the one a return visit opened, ``complaint_id`` > 0);
    returns its id and the investigation steps of its category."""
    if channel not in ContactChannel.values:
        raise ValueError(f"{channel!r} is not a contact channel")
    complaint = sales.complaint_open(
        complaint_id=complaint_id or None,
        customer_id=customer_id,
        store_id=store_id,
        by=_user(by),
        channel=channel,
        category=category,
        severity=severity,
        description=description,
        vehicle_id=vehicle_id or None,
        deadline=engine.now() + _duration(ack_sla),
    )
    return {"id": complaint.pk, "steps": INVESTIGATION_STEPS.get(category, INVESTIGATION_STEPS["other"])}


@register_service("crm.complaint_start")
def complaint_start(*, complaint_id: int, by: str) -> str:
    return str(sales.complaint_move(complaint_id=complaint_id, by=_user(by), transition="start").status)


@register_service("crm.complaint_propose")
def complaint_propose(*, complaint_id: int, by: str, resolution: str, compensation: int, cause: str = "") -> str:
    """Save the proposal and the cause found (a flow deployed before the cause was asked passes none)."""
    fields: dict[str, Any] = {"resolution": resolution, "compensation": compensation}
    if cause:
        fields["cause"] = cause
    return str(sales.complaint_move(complaint_id=complaint_id, by=_user(by), transition="", **fields).status)


@register_service("crm.complaint_resolve")
def complaint_resolve(*, complaint_id: int, by: str) -> str:
    return str(sales.complaint_move(complaint_id=complaint_id, by=_user(by), transition="resolve").status)


@register_service("crm.complaint_close")
def complaint_close(*, complaint_id: int, by: str, resolution: str, score: int) -> str:
    return str(
        sales.complaint_move(
            complaint_id=complaint_id, by=_user(by), transition="close", resolution=resolution, satisfaction_score=score
        ).status
    )


@register_service("crm.complaint_reopen")
def complaint_reopen(*, complaint_id: int, by: str, reason: str) -> str:
    complaint = sales.complaint_move(
        complaint_id=complaint_id,
        by=_user(by),
        transition="reopen",
        satisfaction_score=None,
        deadline=engine.now() + timedelta(days=3),
    )
    return f"{complaint.status}: {reason}"[:200]
