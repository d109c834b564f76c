"""Forms of the CRM pages. They parse input; the services validate and write."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from .identifiers import VIN_CHECK_DIGIT_CODE
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
from .services.customers import CUSTOMER_FIELDS
from .services.vehicles import VEHICLE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _blank_choice(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class CustomerForm(forms.ModelForm):
    phones = forms.CharField(help_text="One or more, separated by commas; the first is the main number.")
    tags = forms.CharField(required=False, help_text="Comma-separated.")

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {"birthday": DATE, "expected_purchase_by": DATE}

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


class CustomerFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name, phone, last 4 digits, plate or VIN")
    contact_from = forms.DateTimeField(required=False, widget=DATETIME, label="Last contact from")
    contact_to = forms.DateTimeField(required=False, widget=DATETIME, label="Last contact to")
    budget_min = forms.IntegerField(required=False, min_value=0, label="Budget from")
    budget_max = forms.IntegerField(required=False, min_value=0, label="Budget to")
    use = forms.ChoiceField(required=False, choices=_blank_choice(Use.choices))
    intent_level = forms.ChoiceField(required=False, choices=_blank_choice(IntentLevel.choices))
    stage = forms.ChoiceField(required=False, choices=_blank_choice(Stage.choices))
    source = forms.ChoiceField(required=False, choices=_blank_choice(Source.choices))
    owner = forms.CharField(required=False, label="Owner (username)")
    in_pool = forms.BooleanField(required=False, label="Only the pool")


class CommunicationForm(forms.Form):
    channel = forms.ChoiceField(choices=ContactChannel.choices)
    outcome = forms.ChoiceField(choices=ContactOutcome.choices)
    content = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, label="Note")
    from_pool = forms.BooleanField(required=False, widget=forms.HiddenInput)


class FollowUpForm(forms.Form):
    due_at = forms.DateTimeField(widget=DATETIME, label="Due")
    method = forms.ChoiceField(choices=ContactChannel.choices)
    purpose = forms.CharField(max_length=300)


class AppointmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AppointmentKind.choices)
    at = forms.DateTimeField(widget=DATETIME, label="When")
    vehicle_id = forms.IntegerField(required=False, label="Vehicle id")
    intended_model = forms.CharField(required=False, max_length=100)
    intended_configuration = forms.CharField(required=False, max_length=200)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="New owner")

    def __init__(self, *args: Any, store_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = (
            get_user_model()
            .objects.filter(staff__store_id=store_id, staff__active=True, staff__roles__role=Role.SALES)
            .order_by("username")
        )


class VehicleForm(forms.ModelForm):
    confirm_vin = forms.BooleanField(required=False, label="The VIN is copied exactly from the car; keep it")

    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS
        widgets = {"first_registration": DATE}

    def _post_clean(self) -> None:
        """Validation (VIN, duplicates) happens in the service."""

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "fields": {name: self.cleaned_data.get(name) for name in VEHICLE_FIELDS},
            "vin_confirmed": self.cleaned_data.get("confirm_vin", False),
        }

    def asks_vin_confirmation(self) -> bool:
        return any(e.code == VIN_CHECK_DIGIT_CODE for e in self.errors.as_data().get("vin", []))


class VehicleFilterForm(forms.Form):
    text = forms.CharField(required=False, label="Plate or VIN")
    brand = forms.CharField(required=False)
    model = forms.CharField(required=False)
    vehicle_type = forms.ChoiceField(required=False, choices=_blank_choice(VehicleType.choices), label="Type")
    year_min = forms.IntegerField(required=False, label="Year from")
    year_max = forms.IntegerField(required=False, label="Year to")
    mileage_max = forms.IntegerField(required=False, min_value=0, label="Mileage up to")
    price_min = forms.IntegerField(required=False, min_value=0, label="Price from")
    price_max = forms.IntegerField(required=False, min_value=0, label="Price to")
    status = forms.ChoiceField(required=False, choices=_blank_choice(VehicleStatus.choices))
    store = forms.ModelChoiceField(required=False, queryset=Store.objects.all())


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AttachmentKind.choices)
    file = forms.FileField()


class PhotoForm(forms.Form):
    file = forms.FileField(help_text="A JPEG or PNG photo (its content is checked, not its name).")


class StaffForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    phone = forms.CharField(max_length=20, required=False)
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    store = forms.ModelChoiceField(queryset=Store.objects.all(), required=False)
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    phone = forms.CharField(max_length=20, required=False)


class DeactivateForm(forms.Form):
    prospects_to = forms.CharField(required=False, label="Prospects go to (username; empty: the store's pool)")
    customers_to = forms.CharField(required=False, label="Customers go to (username)")


class LeadForm(forms.Form):
    """The public web form. ``website`` is the honeypot: hidden from people, filled by bots."""

    name = forms.CharField(max_length=100)
    phone = forms.CharField(max_length=20)
    email = forms.EmailField(required=False)
    interest = forms.CharField(max_length=300, required=False, label="What are you looking for?")
    website = forms.CharField(required=False, label="Leave this empty")


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV (UTF-8) or Excel .xlsx with columns name, phone; optional: email, "
        "source, sub_channel, intent_level, budget_min, budget_max, note."
    )


class TransferRequestForm(forms.Form):
    to_store = forms.ModelChoiceField(queryset=Store.objects.none(), label="Move it to")
    reason = forms.CharField(max_length=300, help_text="Why the car should move (a customer there asked, ...).")
    requested_date = forms.DateField(required=False, widget=DATE, label="Wanted by", help_text="Empty: today.")

    def __init__(self, *args: Any, from_store_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_store = cast("forms.ModelChoiceField[Store]", self.fields["to_store"])
        to_store.queryset = Store.objects.exclude(pk=from_store_id).order_by("name")


class AcquisitionForm(forms.Form):
    SOURCES = [("trade_in", "Trade-in by a customer"), ("private", "Private seller"), ("auction", "Auction")]

    store = forms.ModelChoiceField(queryset=Store.objects.none(), label="Buying store")
    source = forms.ChoiceField(choices=SOURCES)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    seller_name = forms.CharField(
        max_length=100, required=False, help_text="The person, dealer or auction house; for a trade-in, the customer."
    )
    seller_phone = forms.CharField(max_length=20, required=False)

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Store]", self.fields["store"]).queryset = stores


class ComplaintCallForm(forms.Form):
    phone = forms.CharField(
        max_length=20,
        label="Caller's phone number",
        help_text="The whole number the customer is known by (+86 optional).",
    )
