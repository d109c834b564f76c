"""Customers and prospects, their phones, lead intakes, contacts, plans and appointments."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from viewflow.fsm import FSMField

from engine import api

from ..identifiers import birthday_hash, id_number_hash, phone_hash
from .choices import (
    AppointmentKind,
    ContactChannel,
    ContactOutcome,
    Gender,
    IntentLevel,
    Source,
    Stage,
    Use,
    VehicleType,
)
from .encrypted import EncryptedCharField, EncryptedDateField, EncryptedEmailField, EncryptedJSONField
from .org import Store


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A prospect until a deal is closed, then a customer. No owner means: in the home store's pool."""

    name = models.CharField(max_length=100)
    # Search keys, kept in step with ``name`` by services.customers (see portal.crm.names).
    name_key = models.CharField(max_length=100, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=300, db_index=True, editable=False, blank=True)
    name_initials = models.CharField(max_length=100, db_index=True, editable=False, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, default=Gender.UNSPECIFIED)
    # Personal values are sealed in the table (portal.crm.crypto); the keyed hashes beside them are what
    # exact ID number search and the birthday reminders look up. Customer.save keeps them in step.
    birthday = EncryptedDateField(null=True, blank=True)
    birthday_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email = EncryptedEmailField(blank=True)
    wechat_id = models.CharField("WeChat id", max_length=60, blank=True)
    address = EncryptedCharField(max_length=200, blank=True)
    id_number = EncryptedCharField("ID number", max_length=30, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WALK_IN)
    sub_channel = models.CharField(max_length=60, blank=True)
    intent_level = models.CharField(max_length=10, choices=IntentLevel.choices, default=IntentLevel.MEDIUM)
    vehicle_type = models.CharField(max_length=12, choices=VehicleType.choices, blank=True)
    brands = models.CharField(max_length=200, blank=True, help_text="Brands of interest, comma-separated.")
    budget_min = models.PositiveIntegerField(null=True, blank=True, help_text="Yuan")
    budget_max = models.PositiveIntegerField(null=True, blank=True, help_text="Yuan")
    use = models.CharField(max_length=12, choices=Use.choices, blank=True)
    expected_purchase_by = models.DateField("Expected purchase by", null=True, blank=True)

    stage = FSMField(max_length=10, choices=Stage.choices, default=Stage.PROSPECT)
    home_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="customers")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_customers"
    )
    last_contact_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the prospect last entered the pool (created without an owner, released, reclaimed, handed over to
    # the pool); empty while someone owns it. The pool's "days in the pool" count from it.
    pooled_at = models.DateTimeField(null=True, blank=True)
    # Kept by the lead_scoring rules (portal.crm.automation.scoring); the pool sorts by it.
    score = models.SmallIntegerField(default=0, db_index=True)
    score_reasons = models.JSONField(default=list, blank=True, help_text="[points, why] from each rule that added")
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["home_store", "owner", "stage"], name="customer_pool_idx"),
            models.Index(fields=["owner", "last_contact_at"], name="customer_owner_contact_idx"),
            models.Index(fields=["home_store", "last_contact_at"], name="customer_store_contact_idx"),
            # A salesperson's view is their own customers or their store's pool: the pool part,
            # newest contact first (bench/search.py, combined filter).
            models.Index(fields=["home_store", "owner", "last_contact_at"], name="customer_pool_contact_idx"),
            # reports: prospects created in a date range, per store and owner, from the index alone
            models.Index(fields=["created_at", "home_store", "owner", "source"], name="customer_created_idx"),
            # reports: a record's customer's store, owner and source (complaints, return visits, follow-ups per
            # owner or store; deals per source) read from this small index instead of the wide customer rows
            models.Index(fields=["id", "home_store", "owner", "source"], name="customer_store_owner_idx"),
        ]
        constraints = [
            # The pool holds prospects only: a closed customer always has an owner.
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False) | models.Q(stage=Stage.PROSPECT),
                name="customer_pool_holds_prospects_only",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="customer_budget_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # However a prospect is created (a lead, an import, a card, a form) without an owner, it enters the
        # pool as it arrives. Later moves in and out of the pool set pooled_at where they change the owner.
        if self._state.adding and self.owner_id is None and self.pooled_at is None:
            self.pooled_at = self.created_at or api.now()
        self.personal_hashes_set()
        fields = kwargs.get("update_fields")
        if fields is not None and {"id_number", "birthday"} & set(fields):
            kwargs["update_fields"] = {*fields, "id_number_hash", "birthday_hash"}
        super().save(*args, **kwargs)

    def personal_hashes_set(self) -> None:
        """The keyed hashes of the ID number and the birthday's day, under the current data key."""
        self.id_number_hash = id_number_hash(self.id_number) if self.id_number else ""
        self.birthday_hash = birthday_hash(self.birthday) if self.birthday else ""

    def clean(self) -> None:
        if self.budget_min is not None and self.budget_max is not None and self.budget_min > self.budget_max:
            raise ValidationError(
                {"budget_min": f"Budget minimum ({self.budget_min}) is above the maximum ({self.budget_max})."}
            )

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None

    @stage.transition(source=Stage.PROSPECT, target=Stage.CUSTOMER, label=pgettext_lazy("status change", "Close deal"))
    def close_deal(self) -> None:
        """A deal is closed: the prospect becomes a customer."""


class CustomerPhone(models.Model):
    """One phone of a customer, sealed. ``number_hash`` is a keyed HMAC of the normalized number (set on save):
    it is what search and the one-phone-one-customer rule use; the last four digits are found through the
    search index's keyed terms (portal.crm.search)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = EncryptedCharField(max_length=20)
    number_hash = models.CharField(max_length=64, unique=True, editable=False)
    primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-primary", "id"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.number_hash = phone_hash(self.number)
        fields = kwargs.get("update_fields")
        if fields is not None and "number" in fields:
            kwargs["update_fields"] = {*fields, "number_hash"}
        super().save(*args, **kwargs)


class LeadIntake(models.Model):
    """What arrived (form, API, import, card), when, and where routing put it and why."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="leads")
    source = models.CharField(max_length=20, choices=Source.choices)
    channel = models.CharField(max_length=30, help_text="web_form, api, import, membership_card, ...")
    received = EncryptedJSONField(default=dict, help_text="The data as received (sealed: it holds phones, IDs).")
    received_at = models.DateTimeField(default=timezone.now)
    merged = models.BooleanField(default=False, help_text="Matched an existing customer by phone.")
    routed_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    routed_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    routing_reasons = models.JSONField(default=list, blank=True)
    process_instance_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        # reports: the channels' leads of a range by source (and their customer, for a store's), from the index
        indexes = [models.Index(fields=["received_at", "source", "customer"], name="leadintake_received_idx")]


class LeadImportStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("import", "Waiting for a worker")
    RUNNING = "running", pgettext_lazy("import", "Importing")
    DONE = "done", pgettext_lazy("import", "Done")


class LeadImport(models.Model):
    """A lead file on its way in: stored at upload, received row by row by a worker (services.lead_import)."""

    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    content = models.BinaryField(help_text="The uploaded file, emptied when the import is done.")
    status = models.CharField(max_length=10, choices=LeadImportStatus.choices, default=LeadImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[line, reason] per refused row")
    queued_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]


class Communication(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="communications")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    at = models.DateTimeField(default=timezone.now)
    content = models.TextField(max_length=4000)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    # Set when this note was a first contact that lost the race for a pool prospect.
    lost_claim_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "at"], name="communication_customer_at_idx"),
            # reports: the communications of a date range, per author and customer
            models.Index(fields=["at", "author", "customer"], name="communication_at_idx"),
            # a report's list of a store's notes: a page's ids in time order, from the index alone
            models.Index(fields=["at", "id", "customer"], name="communication_at_id_idx"),
        ]


class Appointment(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="appointments")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=12, choices=AppointmentKind.choices)
    at = models.DateTimeField()
    vehicle = models.ForeignKey("crm.Vehicle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    intended_model = models.CharField(max_length=100, blank=True)
    intended_configuration = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    impressions = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # When it was booked (empty for appointments booked before it was recorded).
    booked_at = models.DateTimeField(default=timezone.now, null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        # reports: the visits booked in a date range, per store
        indexes = [
            models.Index(fields=["at", "store"], name="appointment_at_idx"),
            # reports: the visits booked of a range per store or booker, and their booking lead time, from the
            # index alone
            models.Index(fields=["at", "kind", "store", "created_by", "booked_at"], name="appointment_at_kind_idx"),
        ]


class FollowUpPlan(models.Model):
    """The owner's plan for the next contact (a booked test drive creates one too)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups")
    due_at = models.DateTimeField(db_index=True)
    method = models.CharField(max_length=10, choices=ContactChannel.choices)
    purpose = models.CharField(max_length=300)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )

    class Meta:
        ordering = ["done", "due_at"]
        # reports: the scorecards' follow-ups due in a range per owner, done on time, from the index alone
        indexes = [models.Index(fields=["due_at", "owner", "done", "done_at", "customer"], name="followup_due_idx")]
