"""The names people read for the fields of customers, vehicles and orders.

The forms label their fields with these and the change history names the changed
field with them, so a field is called the same on every page and in every language.
The models keep their plain field names: a translated ``verbose_name`` would only
add migrations that change nothing in the database.
"""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:  # the stubs' name for a lazy string; not needed at run time
    from django_stubs_ext import StrPromise

FIELD_LABELS: dict[str, "StrPromise"] = {
    # customer
    "name": _("Name"),
    "gender": _("Gender"),
    "birthday": _("Birthday"),
    "email": _("Email"),
    "wechat_id": _("WeChat id"),
    "address": _("Address"),
    "id_number": _("ID number"),
    "source": _("Source"),
    "sub_channel": _("Sub-channel"),
    "intent_level": _("Intent level"),
    "vehicle_type": _("Vehicle type"),
    "brands": _("Brands"),
    "budget_min": _("Budget from"),
    "budget_max": _("Budget to"),
    "use": pgettext_lazy("vehicle use", "Use"),
    "expected_purchase_by": _("Expected purchase by"),
    "stage": _("Stage"),
    "home_store": _("Home store"),
    "owner": _("Owner"),
    "phones": _("Phones"),
    "tags": _("Tags"),
    # vehicle
    "vin": _("VIN"),
    "engine_number": _("Engine number"),
    "plate": _("Plate"),
    "brand": _("Brand"),
    "model": _("Model"),
    "year": _("Year"),
    "colour": _("Colour"),
    "mileage": _("Mileage"),
    "first_registration": _("First registration"),
    "configuration": _("Configuration"),
    "purchase_price": _("Purchase price"),
    "asking_price": _("Asking price"),
    "store": _("Store"),
    "status": _("Status"),
    "customer": _("Customer"),
    # order
    "vehicle": _("Vehicle"),
    "price": _("Price"),
    "payment_plan": _("Payment plan"),
    "deposit": _("Deposit"),
    "delivery_at": _("Delivery time"),
    "delivery_place": _("Delivery place"),
    "salesperson": _("Salesperson"),
    "refund": _("Refund"),
}

HELP_TEXTS: dict[str, "StrPromise"] = {
    "brands": _("Brands of interest, comma-separated."),
    "budget_min": _("In yuan."),
    "budget_max": _("In yuan."),
    "plate": _("Stored upper-case, no spaces."),
    "mileage": _("In kilometres."),
    "purchase_price": _("In yuan."),
    "asking_price": _("In yuan."),
}


def field_label(name: str) -> str:
    """The label of a tracked field, or its code name for a field without one."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name
