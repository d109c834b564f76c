"""API shapes. Reads come from scoped querysets; writes go through the services."""

from datetime import UTC, date, datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from ..fields import CUSTOMER_FIELDS, VEHICLE_FIELDS
from ..models import Communication, Customer, FollowUpPlan, Order, Vehicle
from ..scopes import Scope, can_see_cost, can_see_identity, scope_of

# The years a date of this business can fall in: a birthday in 1930, a follow-up in 2031; not year 278.
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _in_years(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise serializers.ValidationError(
            _("The year %(year)s is outside %(first)s-%(last)s.")
            % {"year": value.year, "first": FIRST_YEAR, "last": LAST_YEAR}
        )


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: Any) -> datetime:
        parsed = super().to_internal_value(value)
        _in_years(parsed)
        return parsed

    def to_representation(self, value: Any) -> Any:
        # Shanghai's local mean time (before 1928) is 8:05:43 ahead of UTC; an offset with seconds is no RFC 3339
        # date-time, so such a time is shown in UTC.
        if isinstance(value, datetime) and timezone.is_aware(value):
            offset = self.enforce_timezone(value).utcoffset()
            if offset is not None and offset.total_seconds() % 60:
                return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        _in_years(parsed)
        return parsed


# JSON's types, taken as they are: DRF would read 0 as false, "12" as 12 and 12 as "12"; the schema says boolean,
# integer and string, so anything else is refused with the field's "invalid" message.


class CharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class EmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# The widest whole number a database column of LotFlow holds (a 64-bit id); a bigger one is a 400, not an
# overflow inside the database driver.
BIGGEST = 2**63 - 1


class IntegerField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", BIGGEST)
        kwargs.setdefault("min_value", -BIGGEST)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        whole = isinstance(data, int) or (isinstance(data, float) and data.is_integer())  # JSON Schema's integer
        if isinstance(data, bool) or not whole:
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ModelSerializer(serializers.ModelSerializer):
    """DRF's, with dates bounded to the years a dealer's records can hold and JSON's types taken strictly."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: BoundedDateTimeField,
        models.DateField: BoundedDateField,
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.IntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveBigIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.BooleanField: BooleanField,
    }


class CustomerSerializer(ModelSerializer):
    phones = serializers.ListField(child=CharField(max_length=30), min_length=1, max_length=10, write_only=True)
    tags = serializers.ListField(child=CharField(max_length=40), required=False, max_length=30, write_only=True)
    phone_numbers = serializers.SerializerMethodField()
    tag_names = serializers.SerializerMethodField()
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    home_store = serializers.PrimaryKeyRelatedField(read_only=True)
    home_store_id = IntegerField(write_only=True, required=False)

    class Meta:
        model = Customer
        fields = [
            "id",
            *CUSTOMER_FIELDS,
            "phones",
            "tags",
            "phone_numbers",
            "tag_names",
            "stage",
            "home_store",
            "home_store_id",
            "owner",
            "last_contact_at",
            "created_at",
        ]
        read_only_fields = ["stage", "last_contact_at", "created_at"]

    def to_representation(self, instance: Customer) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        identity = request is None or can_see_identity(request.user, instance, self._scope(request.user))
        if not identity:
            data["id_number"] = "•••" if instance.id_number else ""
            data["birthday"] = None
        # What this answer showed, recorded once for the whole answer by the view (portal.crm.reads).
        self.context.setdefault("shown", []).append((instance.pk, identity))
        return data

    def _scope(self, user: Any) -> Scope:
        """One scope for the whole list, not one grants query per customer; the context lives for one request."""
        if "scope" not in self.context:
            self.context["scope"] = scope_of(user)
        return self.context["scope"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs  # the service validates (it names who holds a duplicate phone)

    def get_phone_numbers(self, instance: Customer) -> list[str]:
        return [p.number for p in instance.phones.all()]

    def get_tag_names(self, instance: Customer) -> list[str]:
        return [t.name for t in instance.tags.all()]


class CommunicationSerializer(ModelSerializer):
    customer = IntegerField(source="customer_id")
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Set only on notes kept by earlier releases, when a colleague took the prospect first; null otherwise.
    lost_claim_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    from_pool = BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="The author saw the prospect in the pool (first contact).",
    )

    class Meta:
        model = Communication
        fields = ["id", "customer", "author", "channel", "at", "content", "outcome", "lost_claim_to", "from_pool"]
        read_only_fields = ["at"]


class FollowUpSerializer(ModelSerializer):
    customer = IntegerField(source="customer_id")
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = FollowUpPlan
        fields = ["id", "customer", "owner", "due_at", "method", "purpose", "done", "done_at", "appointment"]
        read_only_fields = ["done_at", "appointment"]


class VehicleSerializer(ModelSerializer):
    store = serializers.PrimaryKeyRelatedField(read_only=True)
    store_id = IntegerField(write_only=True, required=False)
    vin_confirmed = BooleanField(
        write_only=True, required=False, default=False, help_text="Keep a VIN whose check digit does not match."
    )

    class Meta:
        model = Vehicle
        fields = ["id", *VEHICLE_FIELDS, "store", "store_id", "status", "vin_confirmed", "created_at"]
        read_only_fields = ["status", "created_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"vin": {"validators": []}}

    def to_representation(self, instance: Vehicle) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self._sees_cost(instance.store_id):
            data.pop("purchase_price", None)  # the dealer's cost: not for sales, service or complaints
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        store_id = attrs.get("store_id") or getattr(self.instance, "store_id", None)
        if "purchase_price" in attrs and not self._sees_cost(store_id):
            attrs.pop("purchase_price")  # nobody sets a cost they may not read
        return attrs  # the service validates VIN, duplicates and year

    def _sees_cost(self, store_id: int | None) -> bool:
        request = self.context.get("request")
        if request is None:
            return True  # not shown to anyone: a service or a test building the shape
        if "scope" not in self.context:  # one grants query per request, not per car
            self.context["scope"] = scope_of(request.user)
        return can_see_cost(self.context["scope"], store_id)


class OrderSerializer(ModelSerializer):
    customer = IntegerField(source="customer_id")
    vehicle = IntegerField(source="vehicle_id")
    salesperson = serializers.SlugRelatedField(slug_field="username", read_only=True)
    paid = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "customer",
            "vehicle",
            "store",
            "salesperson",
            "price",
            "payment_plan",
            "deposit",
            "delivery_at",
            "delivery_place",
            "status",
            "paid",
            "created_at",
        ]
        read_only_fields = ["store", "status", "created_at"]

    def get_paid(self, order: Order) -> int:
        return sum(p.amount for p in order.payments.all())


class PaymentSerializer(serializers.Serializer):
    method = CharField()
    amount = IntegerField()


class LeadSerializer(serializers.Serializer):
    name = CharField(max_length=100)
    phone = CharField(max_length=30)
    email = EmailField(required=False, allow_blank=True, default="")
    source = CharField(required=False, default="website", max_length=20)
    sub_channel = CharField(required=False, allow_blank=True, default="", max_length=100)
    intent_level = CharField(required=False, allow_blank=True, default="", max_length=20)
    budget_min = IntegerField(required=False, allow_null=True, default=None)
    budget_max = IntegerField(required=False, allow_null=True, default=None)
    note = CharField(required=False, allow_blank=True, default="", max_length=2000)
    store = CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="The store the lead asks for: its id or its name.",
    )
    region = CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="The region the lead asks for (a region of our stores).",
    )


class LeadResultSerializer(serializers.Serializer):
    lead_id = IntegerField()
    customer_id = IntegerField()
    merged = BooleanField()
    routed_store = IntegerField(allow_null=True)
    routed_owner = CharField(allow_null=True)
    reasons = serializers.ListField(child=CharField())
