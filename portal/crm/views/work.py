"""Starting work from a record: a complaint or an order change from the customer's page,
a transfer from the car's page, buying a car in and taking a complaint call from their
own pages.

Each starts its process through a CRM service (which checks who may, and refuses
with the reason) and then takes the person to the first step when it is theirs to
do, or back to the record saying who has it now.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine import api
from engine.api import EngineError

from ..forms import AcquisitionForm, ComplaintCallForm, TransferRequestForm, add_service_errors
from ..models import Store
from ..scopes import EVERYWHERE, buying_stores, customers_visible_to, scope_of, vehicles_visible_to
from ..selectors import next_step_holder
from ..services import acquisitions, sales_process, transfers
from ..services.common import visible_or_raise
from .common import crm_view
from .records import vehicle_page


def _refusal(err: Exception) -> str:
    if isinstance(err, ValidationError):
        return " ".join(err.messages)
    return str(err)


def _refused_on(form: Form, err: Exception) -> None:
    """Show a refusal on the form: beside the fields it names, or above them."""
    if isinstance(err, ValidationError):
        add_service_errors(form, err)
    else:
        form.add_error(None, str(err))


def _continue(request: HttpRequest, instance_id: int | None, started: str, back: str) -> HttpResponse:
    """To the first open step the person may do now, or back to the record saying who has it.

    ``started`` is a whole sentence ("Complaint recorded."); what comes next follows it."""
    # Titles in the reader's language, as the inbox shows them.
    opened = api.localize_items(api.open_items(instance_id)) if instance_id is not None else []
    for item in opened:
        if api.may_work_on(item, request.user):
            messages.success(request, _("%(started)s Next: %(step)s.") % {"started": started, "step": item.title})
            return redirect("inbox:item", item.pk)
    if not opened:
        messages.success(request, started)
        return redirect(back)
    messages.success(request, _("%(started)s %(next)s") % {"started": started, "next": next_step_holder(opened[0])})
    return redirect(back)


@require_POST
@crm_view
def complaint_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    back = reverse("crm:customer", args=[customer_id])
    try:
        result = sales_process.complaint_start(by=request.user, customer_id=customer_id)
    except (ValidationError, EngineError) as err:
        messages.error(request, _("The complaint was not recorded: %(reason)s") % {"reason": _refusal(err)})
        return redirect(back)
    return _continue(request, result.instance_id, _("Complaint recorded."), back)


@crm_view
def complaint_call(request: HttpRequest) -> HttpResponse:
    """The complaints desk takes a call: find the caller by number, straight to the intake."""
    form = ComplaintCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = sales_process.complaint_call(by=request.user, phone=form.cleaned_data["phone"])
        except (ValidationError, EngineError) as err:
            _refused_on(form, err)
        else:
            return _continue(request, result.instance_id, _("Complaint call taken."), reverse("inbox:inbox"))
    return render(
        request,
        "crm/form.html",
        {"form": form, "title": _("Take a complaint call"), "submit": _("Find the customer and start")},
        status=400 if form.errors else 200,
    )


@require_POST
@crm_view
def order_change_new(request: HttpRequest, order_id: int) -> HttpResponse:
    order_customer = request.POST.get("customer")
    back = (
        reverse("crm:customer", args=[order_customer]) if (order_customer or "").isdigit() else reverse("inbox:inbox")
    )
    try:
        result = sales_process.order_change_start(by=request.user, order_id=order_id)
    except (ValidationError, EngineError) as err:
        messages.error(request, _("No change was started: %(reason)s") % {"reason": _refusal(err)})
        return redirect(back)
    return _continue(request, result.instance_id, _("Change of order #%(order)s started.") % {"order": order_id}, back)


@require_POST
@crm_view
def transfer_new(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    vehicle = visible_or_raise(
        vehicles_visible_to(request.user).select_related("store", "customer"), vehicle_id, "vehicle"
    )
    form = TransferRequestForm(request.POST, from_store_id=vehicle.store_id)
    if form.is_valid():
        try:
            transfer = transfers.transfer_request(
                by=request.user,
                vehicle_id=vehicle.pk,
                to_store_id=form.cleaned_data["to_store"].pk,
                reason=form.cleaned_data["reason"],
                requested_date=form.cleaned_data["requested_date"],
            )
        except (ValidationError, EngineError) as err:
            _refused_on(form, err)
        else:
            instance_id = api.running_instance_id("vehicle_transfer", f"transfer:{transfer.pk}")
            return _continue(
                request,
                instance_id,
                _("Transfer #%(transfer)s to %(store)s requested.")
                % {"transfer": transfer.pk, "store": transfer.to_store},
                reverse("crm:vehicle", args=[vehicle.pk]),
            )
    return vehicle_page(request, vehicle, transfer_form=form, status=400)


def _buying_stores(request: HttpRequest) -> QuerySet[Store]:
    stores = buying_stores(scope_of(request.user))
    if not stores:  # finance, complaints: the menu does not offer it, and a typed address says why
        raise PermissionDenied(_("Cars are bought in by sales, store managers, service and headquarters."))
    everything = Store.objects.order_by("name")
    return everything if stores == EVERYWHERE else everything.filter(pk__in=stores)


@crm_view
def acquisition_new(request: HttpRequest) -> HttpResponse:
    stores = _buying_stores(request)
    initial = {
        "source": request.GET.get("source") or "private",
        "customer": request.GET.get("customer"),
        "store": stores.first(),
    }
    customer = None
    wanted = request.POST.get("customer") or request.GET.get("customer")
    if wanted and wanted.isdigit():
        customer = customers_visible_to(request.user).filter(pk=wanted).first()
        if customer is not None:
            initial.update(source="trade_in", seller_name=customer.name, store=customer.home_store)
    form = AcquisitionForm(request.POST or None, initial=initial, stores=stores)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["source"] == "trade_in" and customer is None:
                raise ValidationError(
                    {
                        "source": _(
                            "A trade-in is started from the customer's page "
                            "(Customers → the customer → Buy in their car)."
                        )
                    }
                )
            instance_id = acquisitions.acquisition_start(
                by=request.user,
                store_id=data["store"].pk,
                source=data["source"],
                seller_name=data["seller_name"],
                seller_phone=data["seller_phone"],
                customer_id=customer.pk if customer is not None else None,
            )
        except (ValidationError, EngineError) as err:
            _refused_on(form, err)
        else:
            return _continue(
                request,
                instance_id,
                _("Buying in a car for %(store)s started.") % {"store": data["store"]},
                reverse("crm:vehicles"),
            )
    title = _("Buy in %(customer)s's car") % {"customer": customer} if customer is not None else _("Buy in a car")
    return render(
        request,
        "crm/form.html",
        {"form": form, "title": title, "submit": _("Start the appraisal")},
        status=400 if form.errors else 200,
    )
