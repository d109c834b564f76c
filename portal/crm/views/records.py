"""Vehicle pages, attachments and staff pages."""

import io
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import reads
from ..forms import (
    AttachmentForm,
    DeactivateForm,
    PhotoForm,
    RolesForm,
    StaffForm,
    TransferRequestForm,
    VehicleFilterForm,
    VehicleForm,
    add_service_errors,
)
from ..history import history_for
from ..models import Role, Store, Vehicle, VehicleStatus
from ..scopes import (
    EVERYWHERE,
    can_see_cost,
    customers_visible_to,
    may_add_staff,
    scope_of,
    staff_visible_to,
    stores_for,
    vehicles_visible_to,
)
from ..selectors import VehicleFilter, vehicle_filter
from ..services import attachments, photos, staff, vehicles
from ..services.common import user_by_username, visible_or_raise
from .common import crm_view, page_of


@crm_view
def vehicle_list(request: HttpRequest) -> HttpResponse:
    form = VehicleFilterForm(request.GET or None)
    rows = vehicles_visible_to(request.user).select_related("store").order_by("-id")
    if form.is_valid():
        data = dict(form.cleaned_data)
        store = data.pop("store")
        try:
            rows = vehicle_filter(request.user, VehicleFilter(**data, store_id=store.pk if store else None))
        except ValidationError as err:
            add_service_errors(form, err)
    return render(request, "crm/vehicle_list.html", {"form": form, "page": page_of(request, rows)})


@crm_view
def vehicle_detail(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    vehicle = visible_or_raise(
        vehicles_visible_to(request.user).select_related("store", "customer"), vehicle_id, "vehicle"
    )
    return vehicle_page(request, vehicle)


def vehicle_page(
    request: HttpRequest, vehicle: Vehicle, *, transfer_form: TransferRequestForm | None = None, status: int = 200
) -> HttpResponse:
    scope = scope_of(request.user)
    may_transfer = vehicle.status == VehicleStatus.IN_STOCK and bool(
        stores_for(request.user, Role.SALES, Role.STORE_MANAGER, Role.HQ)
    )
    if transfer_form is None and may_transfer:
        transfer_form = TransferRequestForm(from_store_id=vehicle.store_id)
    context = {
        "vehicle": vehicle,
        "sees_cost": can_see_cost(scope, vehicle.store_id),
        "history": history_for(vehicle, request.user, scope=scope)[:100],
        "edit": scope.everything or scope.holds_in(vehicle.store_id, Role.SALES, Role.STORE_MANAGER),
        "service_records": vehicle.service_records.all()[:20],
        "policies": vehicle.policies.all(),
        "photos": vehicle.photos.all(),
        "photo_form": PhotoForm(),
        # A refused request shows its form again, with the reason, whatever the car is now.
        "transfer_form": transfer_form if may_transfer or status != 200 else None,
    }
    return render(request, "crm/vehicle_detail.html", context, status=status)


def _stock_store(request: HttpRequest) -> Store | None:
    stores = stores_for(request.user, Role.SALES, Role.STORE_MANAGER)
    wanted = request.GET.get("store") or request.POST.get("store")
    if stores == EVERYWHERE or scope_of(request.user).everything:
        return Store.objects.filter(pk=wanted).first() if wanted else Store.objects.first()
    return Store.objects.filter(pk__in=stores).order_by("name").first()


@crm_view
def vehicle_create(request: HttpRequest) -> HttpResponse:
    store = _stock_store(request)
    form = VehicleForm(
        request.POST or None, with_cost=can_see_cost(scope_of(request.user), store.pk if store else None)
    )
    if request.method == "POST" and form.is_valid():
        try:
            if store is None:
                raise ValidationError({"__all__": _("You keep no store's stock.")})
            vehicle = vehicles.vehicle_create(by=request.user, store=store, **form.service_kwargs())
        except ValidationError as err:
            add_service_errors(form, err)
        else:
            messages.success(request, _("%(vehicle)s added to %(store)s.") % {"vehicle": vehicle, "store": store})
            return redirect("crm:vehicle", vehicle.pk)
    return render(
        request, "crm/form.html", {"form": form, "title": _("New vehicle in %(store)s") % {"store": store or "—"}}
    )


@crm_view
def vehicle_edit(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    vehicle = visible_or_raise(vehicles_visible_to(request.user), vehicle_id, "vehicle")
    form = VehicleForm(
        request.POST or None, instance=vehicle, with_cost=can_see_cost(scope_of(request.user), vehicle.store_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            vehicles.vehicle_update(vehicle_id=vehicle.pk, by=request.user, **form.service_kwargs())
        except ValidationError as err:
            add_service_errors(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("crm:vehicle", vehicle.pk)
    return render(request, "crm/form.html", {"form": form, "title": _("Edit %(vehicle)s") % {"vehicle": vehicle}})


def _upload(request: HttpRequest, form: Any, add: Callable[..., Any], done: str, back: HttpResponse) -> HttpResponse:
    """Store an uploaded file through ``add`` (which checks its content), and say how it went.

    ``done`` is a sentence with a ``%(filename)s`` placeholder."""
    if not form.is_valid():
        messages.error(
            request,
            "; ".join(
                _("%(field)s: %(problems)s")
                % {"field": form.fields[f].label if f in form.fields else f, "problems": " ".join(e)}
                for f, e in form.errors.items()
            ),
        )
        return back
    upload = form.cleaned_data["file"]
    extra = {k: v for k, v in form.cleaned_data.items() if k != "file"}
    try:
        add(by=request.user, filename=upload.name, stream=upload, **extra)
        messages.success(request, done % {"filename": upload.name})
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
    return back


@crm_view
@require_POST
def attachment_upload(request: HttpRequest, customer_id: int) -> HttpResponse:
    visible_or_raise(customers_visible_to(request.user), customer_id, "customer")
    return _upload(
        request,
        AttachmentForm(request.POST, request.FILES),
        partial(attachments.attachment_add, customer_id=customer_id),
        _("%(filename)s attached."),
        redirect("crm:customer", customer_id),
    )


@crm_view
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment, content = attachments.attachment_open(attachment_id=attachment_id, by=request.user)
    if content is None:
        raise Http404(_("The file of attachment %(id)s is missing.") % {"id": attachment_id})
    reads.record(request.user, [attachment.customer_id], [f"scan:{attachment.pk}"], "scan")
    response = FileResponse(
        io.BytesIO(content), content_type=attachment.content_type, as_attachment=True, filename=attachment.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@crm_view
@require_POST
def photo_upload(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    visible_or_raise(vehicles_visible_to(request.user), vehicle_id, "vehicle")
    return _upload(
        request,
        PhotoForm(request.POST, request.FILES),
        partial(photos.photo_add, vehicle_id=vehicle_id),
        _("%(filename)s added."),
        redirect("crm:vehicle", vehicle_id),
    )


@crm_view
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    found, path = photos.photo_open(photo_id=photo_id, by=request.user)
    if not path.exists():
        raise Http404(_("The file of photo %(id)s is missing.") % {"id": photo_id})
    response = FileResponse(path.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@crm_view
def staff_list(request: HttpRequest) -> HttpResponse:
    rows = staff_visible_to(request.user).select_related("user", "store").prefetch_related("roles")
    return render(request, "crm/staff_list.html", {"page": page_of(request, rows)})


@crm_view
def staff_create(request: HttpRequest) -> HttpResponse:
    if not may_add_staff(scope_of(request.user)):
        raise PermissionDenied(_("An admin, or a store's manager, adds staff."))
    form = StaffForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = staff.staff_create(by=request.user, **form.cleaned_data)
        except ValidationError as err:
            add_service_errors(form, err)
        else:
            messages.success(request, _("%(staff)s added.") % {"staff": created})
            return redirect("crm:staff", created.pk)
    return render(request, "crm/form.html", {"form": form, "title": _("New staff member")})


@crm_view
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    member = visible_or_raise(staff_visible_to(request.user).select_related("user", "store"), staff_id, "staff")
    roles = list(member.roles.values_list("role", flat=True))
    roles_form = RolesForm(request.POST or None, initial={"roles": roles, "phone": member.phone})
    if request.method == "POST" and roles_form.is_valid():
        try:
            staff.staff_set_roles(staff_id=member.pk, by=request.user, **roles_form.cleaned_data)
        except ValidationError as err:
            add_service_errors(roles_form, err)
        else:
            messages.success(request, _("Roles saved."))
            return redirect("crm:staff", member.pk)
    owned = member.user.owned_customers.count()
    username = member.user.get_username()
    return render(
        request,
        "crm/staff_detail.html",
        {
            "member": member,
            "roles_form": roles_form,
            "owned": owned,
            "deactivate_form": DeactivateForm(),
            "locked": staff.sign_in_locked(username),
            "sign_ins": staff.sign_in_log(username),
            # Admins see whose personal data this person read (portal.crm.reads).
            "reads": reads.latest_by_reader(member.user) if scope_of(request.user).holds(Role.ADMIN) else None,
        },
    )


@crm_view
@require_POST
def staff_unlock(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff.staff_unlock(staff_id=staff_id, by=request.user)
    messages.success(request, _("Sign-in unlocked."))
    return redirect("crm:staff", staff_id)


@crm_view
@require_POST
def staff_deactivate(request: HttpRequest, staff_id: int) -> HttpResponse:
    visible_or_raise(staff_visible_to(request.user), staff_id, "staff")
    form = DeactivateForm(request.POST)
    form.is_valid()
    try:
        prospects_to = (
            user_by_username(form.cleaned_data["prospects_to"], field="prospects_to")
            if form.cleaned_data.get("prospects_to")
            else None
        )
        customers_to = (
            user_by_username(form.cleaned_data["customers_to"], field="customers_to")
            if form.cleaned_data.get("customers_to")
            else None
        )
        moved = staff.staff_deactivate(
            staff_id=staff_id, by=request.user, prospects_to=prospects_to, customers_to=customers_to
        )
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
    else:
        messages.success(
            request,
            _(
                "Deactivated. Handed over: %(prospects)s prospects, %(customers)s customers. Their open work: "
                "%(handed)s items went with the customers, %(released)s back to the queues, %(withdrawn)s withdrawn."
            )
            % {
                "prospects": moved["prospects"],
                "customers": moved["customers"],
                "handed": moved["items_handed"],
                "released": moved["items_released"],
                "withdrawn": moved["items_withdrawn"],
            },
        )
    return redirect("crm:staff", staff_id)
