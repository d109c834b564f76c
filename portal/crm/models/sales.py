"""Orders, payments, membership cards; complaints and return visits."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from viewflow.fsm import FSMField

from .choices import (
    ComplaintCause,
    ComplaintStatus,
    ContactChannel,
    OrderStatus,
    PaymentMethod,
    PaymentPlan,
    ReturnVisitStatus,
    Severity,
)
from .customers import Customer
from .org import Store
from .vehicles import Vehicle


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="orders")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    price = models.PositiveIntegerField(help_text="Yuan")
    payment_plan = models.CharField(max_length=6, choices=PaymentPlan.choices, default=PaymentPlan.FULL)
    deposit = models.PositiveIntegerField(default=0)
    delivery_at = models.DateTimeField(null=True, blank=True)
    delivery_place = models.CharField(max_length=200, blank=True)
    status = FSMField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "status"], name="order_store_status_idx"),
            # reports: the deals of a date range per store and salesperson, and their revenue, from the index alone
            models.Index(fields=["created_at", "store", "salesperson", "status", "price"], name="order_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @status.transition(
        source=OrderStatus.OPEN, target=OrderStatus.PAID, label=pgettext_lazy("status change", "Mark paid")
    )
    def mark_paid(self) -> None: ...

    @status.transition(
        source=OrderStatus.PAID, target=OrderStatus.DELIVERED, label=pgettext_lazy("status change", "Deliver")
    )
    def deliver(self) -> None: ...

    @status.transition(
        source=[OrderStatus.OPEN, OrderStatus.PAID],
        target=OrderStatus.CANCELLED,
        label=pgettext_lazy("status change", "Cancel"),
    )
    def cancel(self) -> None: ...


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=12, choices=PaymentMethod.choices)
    amount = models.PositiveIntegerField(help_text="Yuan")
    paid_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["paid_at", "id"]


class MembershipCard(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="membership_card")
    number = models.CharField(max_length=30, unique=True)
    level = models.CharField(max_length=20, default="standard")
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")


class Complaint(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="complaints")
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    category = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    description = models.TextField()
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateTimeField(null=True, blank=True)
    status = FSMField(max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    resolution = models.TextField(blank=True)
    compensation = models.PositiveIntegerField(default=0)
    satisfaction_score = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the complaint flow: handling started (acknowledged), marked resolved (cleared on reopening),
    # and the cause its handler found.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # (The column defaults to "" in the database too, for rows written around the models: bulk loads.)
    cause = models.CharField(max_length=20, choices=ComplaintCause.choices, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at", "store"], name="complaint_created_idx")]  # reports
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction_score__isnull=True) | models.Q(satisfaction_score__range=(1, 5)),
                name="complaint_score_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @status.transition(
        source=ComplaintStatus.OPEN,
        target=ComplaintStatus.IN_PROGRESS,
        label=pgettext_lazy("status change", "Start handling"),
    )
    def start(self) -> None: ...

    @status.transition(
        source=ComplaintStatus.IN_PROGRESS,
        target=ComplaintStatus.RESOLVED,
        label=pgettext_lazy("status change", "Resolve"),
    )
    def resolve(self) -> None: ...

    @status.transition(
        source=ComplaintStatus.RESOLVED, target=ComplaintStatus.CLOSED, label=pgettext_lazy("status change", "Close")
    )
    def close(self) -> None: ...

    @status.transition(
        source=[ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED],
        target=ComplaintStatus.IN_PROGRESS,
        label=pgettext_lazy("status change", "Reopen"),
    )
    def reopen(self) -> None: ...


class ReturnVisit(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="return_visits")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="return_visits")
    kind = models.CharField(max_length=40, help_text="after_delivery, after_service, complaint_follow_up, ...")
    due = models.DateField(db_index=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    satisfaction_score = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    status = FSMField(max_length=10, choices=ReturnVisitStatus.choices, default=ReturnVisitStatus.DUE)

    class Meta:
        ordering = ["due"]
        indexes = [models.Index(fields=["done_at"], name="returnvisit_done_idx")]  # reports: satisfaction index

    @status.transition(
        source=ReturnVisitStatus.DUE,
        target=ReturnVisitStatus.DONE,
        label=pgettext_lazy("status change", "Record visit"),
    )
    def record(self) -> None: ...

    @status.transition(
        source=ReturnVisitStatus.DUE, target=ReturnVisitStatus.CANCELLED, label=pgettext_lazy("status change", "Cancel")
    )
    def cancel(self) -> None: ...
