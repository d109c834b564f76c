"""Forms of the CRM pages. They parse input; the services validate and write."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.ui.people import display_name
from portal.ui.templatetags.lotflow import yuan

from .fields import CUSTOMER_FIELDS, VEHICLE_FIELDS
from .identifiers import VIN_CHECK_DIGIT_CODE
from .labels import FIELD_LABELS, HELP_TEXTS
from .models import (
    AppointmentKind,
    AttachmentKind,
    ContactChannel,
    ContactOutcome,
    Customer,
    IntentLevel,
    Role,
    Source,
    Stage,
    Store,
    Use,
    Vehicle,
    VehicleStatus,
    VehicleType,
)
from .scopes import EVERYWHERE
from .services.staff import grantable

# The browser's (and a phone's) own pickers fill these; they send ISO values whatever the
# page's language, so the widgets render ISO too rather than the locale's first input format
# (zh-hans would render 2026/12/02, which a date input refuses).
# The picker shows the date the browser's way (12/05/2026 or 2026/12/05), so a hint under the field says which
# day is chosen in the reader's language, and a date that cannot be read is refused naming the format the
# server reads (DATE_FORMAT_PROBLEM below).
# The hint's own text, until a script writes the chosen day there in the reader's language (frontend/date-hints.js).
DATE_HINT = _("Pick the day from the calendar, or type it in the order the box shows.")
DATETIME_HINT = _("Pick the day and time from the calendar, or type them in the order the box shows.")
DATE_FORMAT_PROBLEM = _("Enter the date as year-month-day, such as 2026-12-05.")
DATETIME_FORMAT_PROBLEM = _("Enter the date and time as year-month-day hour:minute, such as 2026-12-05 10:00.")


def _with_hint(context: dict[str, Any], hint: Any) -> dict[str, Any]:
    """A date or date-time input followed by its hint (crm/widgets/date.html), which it names as its description."""
    widget = context["widget"]
    if widget["attrs"].get("id"):
        widget["attrs"]["aria-describedby"] = f"{widget['attrs']['id']}-hint"
    widget["hint"] = hint
    return context


class HintedDateInput(forms.DateInput):
    template_name = "crm/widgets/date.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return _with_hint(super().get_context(name, value, attrs), DATE_HINT)


class HintedDateTimeInput(forms.DateTimeInput):
    template_name = "crm/widgets/date.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return _with_hint(super().get_context(name, value, attrs), DATETIME_HINT)


DATE = HintedDateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = HintedDateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _blank_choice(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class CustomerForm(forms.ModelForm):
    phones = forms.CharField(
        label=_("Phones"), help_text=_("One or more, separated by commas; the first is the main number.")
    )
    tags = forms.CharField(required=False, label=_("Tags"), help_text=_("Comma-separated."))

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {"birthday": DATE, "expected_purchase_by": DATE}
        labels = {name: FIELD_LABELS[name] for name in CUSTOMER_FIELDS}
        help_texts = {name: text for name, text in HELP_TEXTS.items() if name in CUSTOMER_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("phones", ", ".join(p.number for p in self.instance.phones.all()))
            self.initial.setdefault("tags", ", ".join(t.name for t in self.instance.tags.all()))

    def _post_clean(self) -> None:
        """Model validation is the service's job (it names who holds a duplicate phone)."""

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "fields": {name: data.get(name) for name in CUSTOMER_FIELDS},
            "phones": [p for p in data["phones"].split(",") if p.strip()],
            "tags": [t for t in (data.get("tags") or "").split(",") if t.strip()],
        }


class PersonChoiceField(forms.ModelChoiceField):
    """A staff member shown by name, with their store."""

    def label_from_instance(self, obj: Any) -> str:
        store = getattr(getattr(obj, "staff", None), "store", None)
        name = display_name(obj)
        return str(_("%(person)s (%(store)s)") % {"person": name, "store": store.name}) if store else name


class CustomerFilterForm(forms.Form):
    SORTS = [
        ("newest", pgettext_lazy("list order", "Newest first")),
        ("oldest", pgettext_lazy("list order", "Oldest first")),
        ("name", pgettext_lazy("list order", "Name")),
        ("last_contact", pgettext_lazy("list order", "Latest contact")),
        ("budget", pgettext_lazy("list order", "Highest budget")),
        ("score", pgettext_lazy("list order", "Highest score")),
        ("name_desc", pgettext_lazy("list order", "Name, last first")),
        ("contact_oldest", pgettext_lazy("list order", "Earliest contact")),
        ("budget_low", pgettext_lazy("list order", "Lowest budget")),
    ]

    q = forms.CharField(
        required=False,
        label=_("Name, phone, last 4 digits, plate or VIN"),
        help_text=_(
            "Phones and ID numbers are stored encrypted: type a whole phone number or its last 4 digits, or a whole "
            "ID number; other parts of them find nothing."
        ),
        widget=forms.TextInput(attrs={"aria-describedby": "q-help"}),
    )
    consulted_from = forms.DateField(required=False, widget=DATE, label=_("First consulted from"))
    consulted_to = forms.DateField(required=False, widget=DATE, label=_("First consulted to"))
    budget_min = forms.IntegerField(required=False, min_value=0, label=_("Budget from"))
    budget_max = forms.IntegerField(required=False, min_value=0, label=_("Budget to"))
    use = forms.ChoiceField(required=False, choices=_blank_choice(Use.choices), label=FIELD_LABELS["use"])
    intent_level = forms.ChoiceField(
        required=False, choices=_blank_choice(IntentLevel.choices), label=FIELD_LABELS["intent_level"]
    )
    stage = forms.ChoiceField(required=False, choices=_blank_choice(Stage.choices), label=FIELD_LABELS["stage"])
    source = forms.ChoiceField(required=False, choices=_blank_choice(Source.choices), label=FIELD_LABELS["source"])
    owner = PersonChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="—", label=_("Owner")
    )
    store = forms.ModelChoiceField(queryset=Store.objects.none(), required=False, empty_label="—", label=_("Store"))
    in_pool = forms.BooleanField(required=False, label=_("Only the pool"))
    # Chosen with the list's column headers (views/sorting.py); kept in a hidden field when filtering.
    sort = forms.ChoiceField(required=False, choices=SORTS, label=_("Sort by"), widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: Any, stores: Any, **kwargs: Any) -> None:
        """``people``: the staff the viewer may pick as owner; ``stores``: their store filter, None for none."""
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = people
        if stores is None:
            del self.fields["store"]
        else:
            cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores


class PoolFilterForm(forms.Form):
    SORTS = [
        ("score", pgettext_lazy("list order", "Highest score")),
        ("waiting", pgettext_lazy("list order", "Longest in the pool")),
        ("newest", pgettext_lazy("list order", "Newest first")),
        ("score_low", pgettext_lazy("list order", "Lowest score")),
        ("waiting_short", pgettext_lazy("list order", "Shortest in the pool")),
        ("name", pgettext_lazy("list order", "Name")),
        ("name_desc", pgettext_lazy("list order", "Name, last first")),
    ]

    source = forms.ChoiceField(required=False, choices=_blank_choice(Source.choices), label=FIELD_LABELS["source"])
    intent_level = forms.ChoiceField(
        required=False, choices=_blank_choice(IntentLevel.choices), label=FIELD_LABELS["intent_level"]
    )
    score_min = forms.IntegerField(required=False, label=_("Score at least"))
    days_min = forms.IntegerField(required=False, min_value=0, label=_("In the pool at least (days)"))
    days_max = forms.IntegerField(required=False, min_value=0, label=_("In the pool at most (days)"))
    store = forms.ModelChoiceField(queryset=Store.objects.none(), required=False, empty_label="—", label=_("Store"))
    # Chosen with the list's column headers (views/sorting.py); kept in a hidden field when filtering.
    sort = forms.ChoiceField(required=False, choices=SORTS, label=_("Sort by"), widget=forms.HiddenInput)

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stores is None:
            del self.fields["store"]
        else:
            cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores


def car_label(car: Vehicle) -> str:
    """A car as people pick it from stock: 丰田 凯美瑞 2020 · 沪A12345 · ¥150,000."""
    parts = [f"{car.name} {car.year}", car.plate, yuan(car.asking_price)]
    return " · ".join(part for part in parts if part)


def car_choices(cars: Iterable[Vehicle]) -> list[tuple[Any, str]]:
    return [("", "—"), *((car.pk, car_label(car)) for car in cars)]


class CarField(forms.TypedChoiceField):
    """A car picked from a list; one that left the list since the page was shown (sold, reserved)
    is passed on, so that the booking service says what became of it."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


def _car_field(label: Any) -> CarField:
    return CarField(coerce=int, empty_value=None, required=False, label=label)


class CommunicationForm(forms.Form):
    """A contact; given ``cars`` (the store's stock), it also books the visit or test drive it agreed."""

    channel = forms.ChoiceField(choices=ContactChannel.choices, label=_("Channel"))
    outcome = forms.ChoiceField(choices=ContactOutcome.choices, label=_("Outcome"))
    content = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, label=_("Note"))
    from_pool = forms.BooleanField(required=False, widget=forms.HiddenInput)
    book_kind = forms.ChoiceField(
        choices=[
            (AppointmentKind.TEST_DRIVE, AppointmentKind.TEST_DRIVE.label),
            (AppointmentKind.VISIT, AppointmentKind.VISIT.label),
        ],
        required=False,
        label=_("Kind of appointment"),
    )
    book_at = forms.DateTimeField(
        widget=DATETIME,
        required=False,
        label=_("Appointment at"),
        help_text=_("Fill in when the outcome is an appointment: it is booked with the contact."),
    )
    book_vehicle = _car_field(_("Car from stock"))

    def __init__(self, *args: Any, cars: Iterable[Vehicle] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cars is None:
            for name in ("book_kind", "book_at", "book_vehicle"):
                self.fields.pop(name)
        else:
            cast(CarField, self.fields["book_vehicle"]).choices = car_choices(cars)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        booked = data.get("outcome") == ContactOutcome.BOOKED
        if "book_at" in self.fields and booked and not data.get("book_at") and "book_at" not in self.errors:
            self.add_error("book_at", _("Say when the appointment is."))
        return data

    def contact_kwargs(self) -> dict[str, Any]:
        """The cleaned data as ``contacts.contact_record`` takes it."""
        data = dict(self.cleaned_data)
        if "book_at" not in self.fields:
            return data
        if not data.get("book_at"):
            data.pop("book_kind"), data.pop("book_vehicle"), data.pop("book_at")
        return data


class FollowUpForm(forms.Form):
    due_at = forms.DateTimeField(widget=DATETIME, label=pgettext_lazy("follow-up", "Due"))
    method = forms.ChoiceField(choices=ContactChannel.choices, label=_("Method"))
    purpose = forms.CharField(max_length=300, label=_("Purpose"))


class AppointmentForm(forms.Form):
    """A booking; the car is one of ``cars`` (the store's stock, and the customer's own for a service)."""

    kind = forms.ChoiceField(choices=AppointmentKind.choices, label=_("Kind of appointment"))
    at = forms.DateTimeField(widget=DATETIME, label=_("When"))
    vehicle_id = _car_field(_("Car"))
    intended_model = forms.CharField(required=False, max_length=100, label=_("Intended model"))
    intended_configuration = forms.CharField(required=False, max_length=200, label=_("Intended configuration"))

    def __init__(self, *args: Any, cars: Iterable[Vehicle] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(CarField, self.fields["vehicle_id"]).choices = car_choices(cars)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label=_("New owner"))

    def __init__(self, *args: Any, store_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = (
            get_user_model()
            .objects.filter(staff__store_id=store_id, staff__active=True, staff__roles__role=Role.SALES)
            .order_by("username")
        )


class VehicleForm(forms.ModelForm):
    confirm_vin = forms.BooleanField(required=False, label=_("The VIN is copied exactly from the car; keep it"))

    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS
        widgets = {"first_registration": DATE}
        labels = {name: FIELD_LABELS[name] for name in VEHICLE_FIELDS}
        help_texts = {name: text for name, text in HELP_TEXTS.items() if name in VEHICLE_FIELDS}

    def __init__(self, *args: Any, with_cost: bool = True, **kwargs: Any) -> None:
        """Without ``with_cost`` the dealer's cost is neither shown nor changed (scopes.can_see_cost)."""
        super().__init__(*args, **kwargs)
        if not with_cost:
            del self.fields["purchase_price"]

    def _post_clean(self) -> None:
        """Validation (VIN, duplicates) happens in the service."""

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "fields": {name: self.cleaned_data.get(name) for name in VEHICLE_FIELDS if name in self.fields},
            "vin_confirmed": self.cleaned_data.get("confirm_vin", False),
        }

    def asks_vin_confirmation(self) -> bool:
        return any(e.code == VIN_CHECK_DIGIT_CODE for e in self.errors.as_data().get("vin", []))


class VehicleFilterForm(forms.Form):
    text = forms.CharField(required=False, label=_("Plate or VIN"))
    brand = forms.CharField(required=False, label=_("Brand"))
    model = forms.CharField(required=False, label=_("Model"))
    vehicle_type = forms.ChoiceField(
        required=False, choices=_blank_choice(VehicleType.choices), label=pgettext_lazy("vehicle", "Type")
    )
    year_min = forms.IntegerField(required=False, label=_("Year from"))
    year_max = forms.IntegerField(required=False, label=_("Year to"))
    mileage_max = forms.IntegerField(required=False, min_value=0, label=_("Mileage up to"))
    price_min = forms.IntegerField(required=False, min_value=0, label=_("Price from"))
    price_max = forms.IntegerField(required=False, min_value=0, label=_("Price to"))
    status = forms.ChoiceField(required=False, choices=_blank_choice(VehicleStatus.choices), label=_("Status"))
    store = forms.ModelChoiceField(required=False, queryset=Store.objects.all(), label=_("Store"))


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AttachmentKind.choices, label=_("Kind of document"))
    file = forms.FileField(label=_("File"))


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("Photo"), help_text=_("A JPEG or PNG photo (its content is checked, not its name)."))


class StaffForm(forms.Form):
    username = forms.CharField(max_length=150, label=_("Username"))
    first_name = forms.CharField(max_length=150, required=False, label=_("Given name"))
    last_name = forms.CharField(max_length=150, required=False, label=_("Family name"))
    phone = forms.CharField(max_length=20, required=False, label=_("Phone"))
    password = forms.CharField(
        widget=forms.PasswordInput,
        label=_("Password"),
        help_text=_("At least 12 characters; not a common password, not only digits, not like the names."),
    )
    store = forms.ModelChoiceField(queryset=Store.objects.all(), required=False, label=_("Store"))
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple, label=_("Roles"))

    def __init__(self, *args: Any, by: Any, **kwargs: Any) -> None:
        """Offer only the stores and roles ``by`` may grant (services.staff refuses the others anyway)."""
        super().__init__(*args, **kwargs)
        stores, roles = grantable(by)
        store = cast("forms.ModelChoiceField[Store]", self.fields["store"])
        store.queryset = Store.objects.order_by("name") if stores == EVERYWHERE else stores_named(stores)
        if stores != EVERYWHERE:
            store.required = True
            store.empty_label = None
        cast(forms.MultipleChoiceField, self.fields["roles"]).choices = [
            (code, label) for code, label in Role.choices if code in roles
        ]


def stores_named(ids: Any) -> Any:
    return Store.objects.filter(pk__in=sorted(ids)).order_by("name")


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple, label=_("Roles"))
    phone = forms.CharField(max_length=20, required=False, label=_("Phone"))


class DeactivateForm(forms.Form):
    prospects_to = forms.CharField(required=False, label=_("Prospects go to (username; empty: the store's pool)"))
    customers_to = forms.CharField(required=False, label=_("Customers go to (username)"))


class StoreWithRegionField(forms.ModelChoiceField):
    """A store shown with its region, so a visitor who knows only the city can pick."""

    def label_from_instance(self, obj: Any) -> str:
        return str(_("%(store)s (%(region)s)") % {"store": obj.name, "region": obj.region})


class LeadForm(forms.Form):
    """The public web form. ``website`` is the honeypot: hidden from people, filled by bots."""

    name = forms.CharField(max_length=100, label=_("Your name"))
    phone = forms.CharField(max_length=20, label=_("Phone"))
    email = forms.EmailField(required=False, label=_("Email"))
    store = StoreWithRegionField(
        queryset=Store.objects.none(),
        required=False,
        empty_label=_("Any store (we choose the nearest)"),
        label=_("Which store or city?"),
        error_messages={"invalid_choice": _("We have no such store; choose one of our stores.")},
    )
    interest = forms.CharField(max_length=300, required=False, label=_("What are you looking for?"))
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        store = cast("forms.ModelChoiceField[Store]", self.fields["store"])
        store.queryset = Store.objects.order_by("region", "name")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8) or Excel .xlsx with columns name, phone; optional: email, "
            "source, sub_channel, intent_level, budget_min, budget_max, note, "
            "store (its name or number), region."
        ),
    )


class TransferRequestForm(forms.Form):
    to_store = forms.ModelChoiceField(queryset=Store.objects.none(), label=_("Move it to"))
    reason = forms.CharField(
        max_length=300, label=_("Reason"), help_text=_("Why the car should move (a customer there asked, ...).")
    )
    requested_date = forms.DateField(required=False, widget=DATE, label=_("Wanted by"), help_text=_("Empty: today."))

    def __init__(self, *args: Any, from_store_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_store = cast("forms.ModelChoiceField[Store]", self.fields["to_store"])
        to_store.queryset = Store.objects.exclude(pk=from_store_id).order_by("name")


class AcquisitionForm(forms.Form):
    SOURCES = [
        ("trade_in", pgettext_lazy("acquisition source", "Trade-in by a customer")),
        ("private", pgettext_lazy("acquisition source", "Private seller")),
        ("auction", pgettext_lazy("acquisition source", "Auction")),
    ]

    store = forms.ModelChoiceField(queryset=Store.objects.none(), label=_("Buying store"))
    source = forms.ChoiceField(choices=SOURCES, label=_("Bought from"))
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    seller_name = forms.CharField(
        max_length=100,
        required=False,
        label=_("Seller"),
        help_text=_("The person, dealer or auction house; for a trade-in, the customer."),
    )
    seller_phone = forms.CharField(max_length=20, required=False, label=_("Seller's phone"))

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Store]", self.fields["store"]).queryset = stores


class ComplaintCallForm(forms.Form):
    phone = forms.CharField(
        max_length=20,
        label=_("Caller's phone number"),
        help_text=_("The whole number the customer is known by (+86 optional)."),
    )


class ApprovalsForm(forms.Form):
    """A decision on the approvals page: ``act`` is "approve" or "reject" for the ticked items, or
    "approve:<id>" / "reject:<id>" from one item's own buttons. The comment goes with every item decided."""

    items = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Approvals"))
    act = forms.RegexField(regex=r"^(approve|reject)(:\d+)?$", widget=forms.HiddenInput)
    comment = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Comment"),
        help_text=_("Needed to reject; the requester reads it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id may be sent: one decided meanwhile is reported by name, not refused as an invalid choice.
        cast(Any, self.fields["items"]).valid_value = lambda value: str(value).isdigit()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision, _sep, one = (data.get("act") or "").partition(":")
        data["approve"] = decision == "approve"
        data["items"] = [int(one)] if one else data.get("items") or []
        if "act" in data and not data["items"]:
            self.add_error("items", _("Tick the approvals to decide."))
        if decision == "reject" and len((data.get("comment") or "").strip()) < 3:
            self.add_error("comment", _("Say why you reject (a few words): the requester reads it."))
        return data


class ReassignForm(forms.Form):
    """Customers picked on the list (``id:owner id seen``, the owner empty for the pool) and their new owner."""

    owner = PersonChoiceField(queryset=get_user_model().objects.none(), label=_("Give them to"))
    picked = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = people
        picked = self.data.getlist("picked") if hasattr(self.data, "getlist") else []
        cast(forms.MultipleChoiceField, self.fields["picked"]).choices = [(v, v) for v in picked]

    def clean_picked(self) -> dict[int, int | None]:
        seen: dict[int, int | None] = {}
        for value in self.cleaned_data["picked"]:
            customer, _sep, owner = str(value).partition(":")
            if not customer.isdigit() or not (owner == "" or owner.isdigit()):
                raise ValidationError(_("The list of picked customers is damaged; reload the page."))
            seen[int(customer)] = int(owner) if owner else None
        if not seen:
            raise ValidationError(_("Pick the customers to reassign first."))
        return seen


def _date_fields_name_their_format() -> None:
    """Every date and date-time field of this module's forms refuses a date it cannot read by naming the
    format it expects (Django's own message says only "Enter a valid date")."""
    for form_class in [value for value in globals().values() if isinstance(value, type)]:
        if not issubclass(form_class, forms.BaseForm):
            continue
        for field in getattr(form_class, "base_fields", {}).values():
            if isinstance(field, forms.DateTimeField):
                field.error_messages["invalid"] = DATETIME_FORMAT_PROBLEM
            elif isinstance(field, forms.DateField):
                field.error_messages["invalid"] = DATE_FORMAT_PROBLEM


_date_fields_name_their_format()
