"""Customer pages: list and search, pool, detail, create, edit, contact, follow-up, release, assign."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from engine import api
from portal.redirects import own_page
from portal.ui.people import display_name

from .. import reads
from ..aftercare import reclaim_days_left
from ..errors import Conflict
from ..forms import (
    AppointmentForm,
    AssignForm,
    AttachmentForm,
    CommunicationForm,
    CustomerFilterForm,
    CustomerForm,
    FollowUpForm,
    PoolFilterForm,
    ReassignForm,
    add_service_errors,
)
from ..history import history_for
from ..identifiers import phone_mask
from ..models import AppointmentKind, Payment, Role
from ..scopes import (
    can_book_service,
    can_manage_customer,
    can_see_identity,
    can_take_from_pool,
    complaints_visible_to,
    customers_visible_to,
    follow_ups_visible_to,
    orders_visible_to,
    scope_of,
)
from ..selectors import (
    CustomerFilter,
    PoolFilter,
    customer_filter,
    pool_filter,
    reassign_stores,
    staff_choices,
    stock_matching,
    store_choices,
)
from ..services import contacts, customers, reassign
from ..services.common import visible_or_raise
from .common import crm_view, page_of
from .sorting import Column, sort_headers


def _errors_line(form: forms.BaseForm) -> str:
    """A form's errors as one message line: "field: problem; other: problem", fields by their labels."""
    return "; ".join(
        _("%(field)s: %(problems)s")
        % {
            "field": form.fields[name].label if name in form.fields else name,
            "problems": " ".join(str(message) for message in errors),
        }
        if name != NON_FIELD_ERRORS
        else " ".join(str(message) for message in errors)
        for name, errors in form.errors.items()
    )


@crm_view
def customer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = scope_of(user)
    form = CustomerFilterForm(request.GET or None, people=staff_choices(scope), stores=store_choices(scope))
    rows = customers_visible_to(user).order_by("-id")
    if form.is_valid():
        data = form.cleaned_data
        criteria = CustomerFilter(
            consulted_from=data["consulted_from"],
            consulted_to=data["consulted_to"],
            budget_min=data["budget_min"],
            budget_max=data["budget_max"],
            use=data["use"],
            intent_level=data["intent_level"],
            stage=data["stage"],
            source=data["source"],
            owner_id=data["owner"].pk if data["owner"] else None,
            store_id=data["store"].pk if data.get("store") else None,
            in_pool=data["in_pool"],
            sort=data["sort"],
        )
        try:
            rows = customer_filter(user, criteria, data["q"])
        except ValidationError as err:
            add_service_errors(form, err)
    page = page_of(request, rows.select_related("owner", "home_store").prefetch_related("phones"))
    reads.record(user, page.object_list, ["phones"], "search" if form.is_valid() and form.cleaned_data["q"] else "list")
    may_reassign = bool(reassign_stores(scope))
    context = {
        "form": form,
        "page": page,
        "headers": sort_headers(request, CUSTOMER_COLUMNS, _current_sort(form, "newest")),
        "title": _("Customers"),
        "reassign": ReassignForm(people=staff_choices(scope, sales_only=True)) if may_reassign else None,
    }
    return render(request, "crm/customer_list.html", context)


@crm_view
def pool(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PoolFilterForm(request.GET or None, stores=store_choices(scope_of(user)))
    criteria = PoolFilter()
    if form.is_valid():
        data = form.cleaned_data
        criteria = PoolFilter(
            source=data["source"],
            intent_level=data["intent_level"],
            score_min=data["score_min"],
            days_min=data["days_min"],
            days_max=data["days_max"],
            store_id=data["store"].pk if data.get("store") else None,
            sort=data["sort"] or "score",
        )
    now = api.now()
    try:
        rows = pool_filter(user, criteria, now)
    except ValidationError as err:
        add_service_errors(form, err)
        rows = pool_filter(user, PoolFilter(), now)
    page = page_of(request, rows.select_related("home_store").prefetch_related("phones"))
    reads.record(request.user, page.object_list, ["phones"], "list")
    # A form for each row, its ids its own: every label names its row's field, not the first row's.
    rows_and_forms = [
        (
            customer,
            (now - customer.waiting_since).days,
            CommunicationForm(initial={"from_pool": True}, auto_id=f"id_pool{customer.pk}_%s"),
        )
        for customer in page
    ]
    headers = sort_headers(request, POOL_COLUMNS, _current_sort(form, "score"))
    return render(request, "crm/pool.html", {"page": page, "rows": rows_and_forms, "form": form, "headers": headers})


# The lists' sortable columns: the sort values that order each one up and down (selectors' SORTS).
CUSTOMER_COLUMNS = [
    Column("name", _lazy("Name"), "name", "name_desc"),
    Column("budget", _lazy("Budget"), "budget_low", "budget", first="descending"),
    Column("consulted", _lazy("First consulted"), "oldest", "newest", first="descending"),
    Column("last_contact", _lazy("Last contact"), "contact_oldest", "last_contact", first="descending"),
]
POOL_COLUMNS = [
    Column("name", _lazy("Name"), "name", "name_desc"),
    Column("score", pgettext_lazy("lead score", "Score"), "score_low", "score", first="descending"),
    Column("days", _lazy("In the pool"), "waiting_short", "waiting", first="descending"),
]


def _current_sort(form: Any, default: str) -> str:
    """The sort the list is shown in: the form's when it is valid, else the list's default."""
    if form.is_bound and form.is_valid():
        return form.cleaned_data.get("sort") or default
    return default


@crm_view
@require_POST
def customers_reassign(request: HttpRequest) -> HttpResponse:
    """Several customers picked on the list go to one salesperson; each one that cannot is named."""
    scope = scope_of(request.user)
    if not reassign_stores(scope):
        raise PermissionDenied(_("Only a store manager or hq can reassign customers."))
    form = ReassignForm(request.POST, people=staff_choices(scope, sales_only=True))
    back = own_page(request, request.POST.get("next"))
    if not form.is_valid():
        messages.error(request, _errors_line(form))
        return redirect(back or "crm:customers")
    owner = form.cleaned_data["owner"]
    report = reassign.customers_reassign(by=request.user, owner=owner, seen=form.cleaned_data["picked"])
    if report.moved:
        messages.success(
            request,
            ngettext(
                "%(count)s customer now belongs to %(person)s.",
                "%(count)s customers now belong to %(person)s.",
                len(report.moved),
            )
            % {"count": len(report.moved), "person": display_name(owner)},
        )
    for _customer_id, name, why in report.refused:
        messages.error(request, _("%(customer)s was not reassigned: %(reason)s") % {"customer": name, "reason": why})
    return redirect(back or "crm:customers")


def _booking_form(request: HttpRequest, *, manage: bool, book_service: bool, cars: list[Any]) -> AppointmentForm | None:
    """The customer page's booking form; a link (``?book=service&vehicle=7``) fills in the kind and the car.

    Service staff who do not manage the customer book service appointments only.
    """
    if not (manage or book_service):
        return None
    kinds = dict(AppointmentKind.choices)
    initial: dict[str, Any] = {}
    if request.GET.get("book") in kinds:
        initial["kind"] = request.GET["book"]
    if request.GET.get("vehicle", "").isdigit():
        initial["vehicle_id"] = int(request.GET["vehicle"])
    form = AppointmentForm(initial=initial, cars=cars)
    if not manage:
        cast(forms.ChoiceField, form.fields["kind"]).choices = [
            (AppointmentKind.SERVICE, kinds[AppointmentKind.SERVICE])
        ]
    return form


@crm_view
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = visible_or_raise(
        customers_visible_to(request.user).select_related("owner", "home_store", "membership_card"),
        customer_id,
        "customer",
    )
    user = request.user
    manage = can_manage_customer(user, customer)
    book_service = manage or can_book_service(user, customer)
    identity = can_see_identity(user, customer)
    reads.record(user, [customer], reads.shown_fields(identity), "page")
    tags = list(customer.tags.all())
    cars = list(contacts.booking_cars(user, customer)) if book_service else []
    context = {
        "customer": customer,
        "tags": tags,
        "days_left": reclaim_days_left(customer, [t.name for t in tags], api.now()),
        "card": getattr(customer, "membership_card", None),
        "phones": [p.number for p in customer.phones.all()],
        "identity": identity,
        # Admins see who read this customer's personal data (portal.crm.reads).
        "reads": reads.latest_for_customer(customer) if scope_of(user).holds(Role.ADMIN) else None,
        "manage": manage,
        "take": can_take_from_pool(user, customer),
        "communications": customer.communications.select_related("author", "lost_claim_to")[:50],
        "follow_ups": follow_ups_visible_to(user).filter(customer=customer).select_related("owner"),
        "appointments": customer.appointments.select_related("vehicle")[:20],
        "orders": orders_visible_to(user)
        .filter(customer=customer)
        .select_related("vehicle", "salesperson")
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.select_related("handled_by")))
        .order_by("-created_at")[:20],
        # The cars the group sold them, with what comes after the sale.
        "cars": customer.vehicles.select_related("maintenance_plan", "store")
        .prefetch_related("policies", "service_records")
        .order_by("-id")[:10],
        "return_visits": customer.return_visits.select_related("vehicle", "done_by").order_by("-due")[:20],
        "complaints": complaints_visible_to(user)
        .filter(customer=customer)
        .select_related("handler")
        .order_by("-created_at")[:20],
        "history": history_for(customer, user)[:100],
        "matching": stock_matching(user, customer)[:10],
        "attachments": customer.attachments.all() if can_see_identity(user, customer) else None,
        "contact_form": CommunicationForm(
            initial={"from_pool": customer.owner_id is None},
            cars=[car for car in cars if car.customer_id != customer.pk] if manage else None,
        ),
        "follow_up_form": FollowUpForm() if manage else None,
        "appointment_form": _booking_form(request, manage=manage, book_service=book_service, cars=cars),
        "booking": request.GET.get("book", ""),
        "open": request.GET.get("open", ""),  # the section a quick action or a tab opens
        "attachment_form": AttachmentForm() if can_see_identity(user, customer) else None,
        "assign_form": (
            AssignForm(store_id=customer.home_store_id)
            if scope_of(user).holds_in(customer.home_store_id, Role.STORE_MANAGER) or scope_of(user).everything
            else None
        ),
        "masked_phones": [phone_mask(p.number) for p in customer.phones.all()],
    }
    context.update(_folds(customer, context))
    return render(request, "crm/customer_detail.html", context)


# A section of the customer page with more rows than this starts folded, as does an empty one, so a desk page
# stays within about two screens; the tab or quick action that names a section opens it (?open=).
SHORT_SECTION = 5
# The latest contacts shown while the communications are not asked for in full.
LATEST_CONTACTS = 3


def _folds(customer: Any, context: dict[str, Any]) -> dict[str, Any]:
    """Which sections of the customer page start open, the contacts shown in theirs, and the sections with
    nothing in them, named on one line instead (each shows when asked for)."""
    for name in ("communications", "follow_ups", "appointments", "orders", "cars", "return_visits", "complaints"):
        context[name] = list(context[name])
    context["matching"] = list(context["matching"])
    if context["attachments"] is not None:
        context["attachments"] = list(context["attachments"])
    asked = context["open"]

    def short(rows: list[Any], limit: int = SHORT_SECTION) -> bool:
        return 0 < len(rows) <= limit

    communications = context["communications"]
    empty = [
        (anchor, label)
        for anchor, label, rows in (
            ("orders", _("Orders and payments"), context["orders"]),
            ("cars", _("Cars and after-sales"), context["cars"]),
            ("visits", _("Return visits"), context["return_visits"]),
            ("complaints", _("Complaints"), context["complaints"]),
            ("stock", _("Stock that fits"), context["matching"]),
            ("attachments", _("Attachments"), context["attachments"]),
        )
        if rows is not None and not rows and asked != anchor
    ]
    return {
        "unfold": {
            "communications": asked == "communications" or bool(communications),
            "follow_ups": asked == "follow-ups" or short(context["follow_ups"]),
            "appointments": asked == "appointments" or short(context["appointments"]),
            "orders": asked == "orders" or short(context["orders"]),
            "cars": asked == "cars" or short(context["cars"], 2),
            "visits": asked == "visits" or short(context["return_visits"]),
            "complaints": asked == "complaints" or short(context["complaints"]),
            "stock": asked == "stock" or (customer.stage == "prospect" and short(context["matching"])),
        },
        "communications_shown": communications if asked == "communications" else communications[:LATEST_CONTACTS],
        "empty_sections": empty,
        "empty_anchors": {anchor for anchor, _label in empty},
    }


@crm_view
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customers.customer_create(by=request.user, **form.service_kwargs())
        except ValidationError as err:
            add_service_errors(form, err)
        else:
            messages.success(request, _("%(customer)s added.") % {"customer": customer})
            return redirect("crm:customer", customer.pk)
    return render(request, "crm/form.html", {"form": form, "title": _("New customer")})


@crm_view
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = visible_or_raise(customers_visible_to(request.user), customer_id, "customer")
    form = CustomerForm(request.POST or None, instance=customer)
    if not can_see_identity(request.user, customer):
        for name in ("id_number", "birthday"):
            form.fields.pop(name)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        kwargs["fields"] = {k: v for k, v in kwargs["fields"].items() if k in form.fields}
        try:
            customers.customer_update(customer_id=customer.pk, by=request.user, **kwargs)
        except ValidationError as err:
            add_service_errors(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("crm:customer", customer.pk)
    return render(request, "crm/form.html", {"form": form, "title": _("Edit %(customer)s") % {"customer": customer}})


@crm_view
@require_POST
def customer_contact(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customers_visible_to(request.user).filter(pk=customer_id).first()
    # A prospect a colleague took from the pool meanwhile is no longer visible: the service refuses and
    # hands the note back.
    cars = list(contacts.booking_cars(request.user, customer)) if customer is not None else None
    form = CommunicationForm(request.POST, cars=cars)
    if not form.is_valid():
        visible_or_raise(customers_visible_to(request.user), customer_id, "customer")
        messages.error(request, _errors_line(form))
        return redirect("crm:customer", customer_id)
    try:
        result, appointment = contacts.contact_record(customer_id=customer_id, by=request.user, **form.contact_kwargs())
    except Conflict as err:
        messages.warning(request, str(err))
        return redirect("crm:pool")
    except ValidationError as err:
        add_service_errors(form, err)
        messages.error(request, _errors_line(form))
        return redirect("crm:customer", customer_id)
    if appointment is not None:
        messages.success(request, _("Appointment booked."))
    messages.success(request, result.message)
    return redirect("crm:customer", customer_id)


def _record_from_form(request: HttpRequest, customer_id: int, form_class: Any, service: Any, done: str) -> HttpResponse:
    """Validate a small form posted on the customer page, call the service, say how it went."""
    visible_or_raise(customers_visible_to(request.user), customer_id, "customer")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(customer_id=customer_id, by=request.user, **form.cleaned_data)
            messages.success(request, done)
        except ValidationError as err:
            add_service_errors(form, err)
            messages.error(request, _errors_line(form))
    else:
        messages.error(request, _errors_line(form))
    return redirect("crm:customer", customer_id)


@crm_view
@require_POST
def customer_follow_up(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _record_from_form(
        request, customer_id, FollowUpForm, contacts.follow_up_plan_create, _("Follow-up planned.")
    )


@crm_view
@require_POST
def customer_appointment(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = visible_or_raise(customers_visible_to(request.user), customer_id, "customer")
    cars = list(contacts.booking_cars(request.user, customer))
    done = _record_from_form(
        request,
        customer_id,
        lambda data: AppointmentForm(data, cars=cars),
        contacts.appointment_book,
        _("Appointment booked."),
    )
    # Booked from a list (the service day): back to that list, never to another site.
    back = own_page(request, request.POST.get("next"))
    if back:
        return redirect(back)
    return done


@crm_view
@require_POST
def follow_up_done(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = contacts.follow_up_plan_done(plan_id=plan_id, by=request.user)
    messages.success(request, _("Follow-up done."))
    return redirect("crm:customer", plan.customer_id)


@crm_view
@require_POST
def customer_release(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customers.customer_release(customer_id=customer_id, by=request.user)
        messages.success(request, _("Released to the pool."))
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
    return redirect("crm:customer", customer_id)


@crm_view
@require_POST
def customer_assign(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = visible_or_raise(customers_visible_to(request.user), customer_id, "customer")
    form = AssignForm(request.POST, store_id=customer.home_store_id)
    if form.is_valid():
        try:
            customers.customer_assign(customer_id=customer_id, by=request.user, owner=form.cleaned_data["owner"])
            messages.success(
                request, _("Now owned by %(username)s.") % {"username": form.cleaned_data["owner"].get_username()}
            )
        except ValidationError as err:
            messages.error(request, " ".join(err.messages))
    else:
        messages.error(request, _("Choose a salesperson of the store."))
    return redirect("crm:customer", customer_id)
