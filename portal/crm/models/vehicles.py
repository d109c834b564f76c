"""Vehicles and what hangs off them: service, maintenance, insurance, transfers, appraisals."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from viewflow.fsm import FSMField

from ..brands import car_name
from .choices import (
    AcquisitionStatus,
    AppraisalStatus,
    PolicyKind,
    TransferStatus,
    VehicleStatus,
    VehicleType,
)
from .customers import Customer
from .encrypted import EncryptedCharField
from .org import Store
from .records import StoredFile


class Vehicle(models.Model):
    """A car the group holds or has sold. A store's stock is its vehicles in status in_stock."""

    vin = models.CharField("VIN", max_length=17, unique=True)
    engine_number = models.CharField(max_length=40, blank=True)
    plate = models.CharField(max_length=12, blank=True, db_index=True, help_text="Stored upper-case, no spaces.")
    brand = models.CharField(max_length=60)
    model = models.CharField(max_length=60)
    vehicle_type = models.CharField(max_length=12, choices=VehicleType.choices)
    year = models.PositiveSmallIntegerField()
    colour = models.CharField(max_length=30, blank=True)
    mileage = models.PositiveIntegerField(help_text="km")
    first_registration = models.DateField(null=True, blank=True)
    configuration = models.CharField(max_length=200, blank=True)
    purchase_price = models.PositiveIntegerField(null=True, blank=True, help_text="Yuan")
    asking_price = models.PositiveIntegerField(help_text="Yuan")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="vehicles")
    status = FSMField(max_length=12, choices=VehicleStatus.choices, default=VehicleStatus.IN_STOCK)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vehicles",
        help_text="The buyer, once sold.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When it came into its current store: its intake, or the arrival of its last transfer.
    arrived_at = models.DateTimeField(default=timezone.now, null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["store", "status"], name="vehicle_store_status_idx"),
            models.Index(fields=["status", "brand", "model"], name="vehicle_status_brand_idx"),
            models.Index(fields=["status", "asking_price"], name="vehicle_status_price_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year} ({self.vin})"

    @property
    def name(self) -> str:
        """Brand and model as the reader names them (丰田 凯美瑞 / Toyota Camry)."""
        return car_name(self.brand, self.model)

    @status.transition(
        source=VehicleStatus.IN_STOCK, target=VehicleStatus.RESERVED, label=pgettext_lazy("status change", "Reserve")
    )
    def reserve(self) -> None:
        """Put on an order."""

    @status.transition(
        source=VehicleStatus.RESERVED, target=VehicleStatus.IN_STOCK, label=pgettext_lazy("status change", "Release")
    )
    def release(self) -> None:
        """Its order was cancelled."""

    @status.transition(
        source=VehicleStatus.RESERVED, target=VehicleStatus.SOLD, label=pgettext_lazy("status change", "Sell")
    )
    def sell(self) -> None:
        """Delivered to the buyer."""

    @status.transition(
        source=VehicleStatus.IN_STOCK,
        target=VehicleStatus.IN_TRANSFER,
        label=pgettext_lazy("status change", "Send on transfer"),
    )
    def send(self) -> None:
        """Leaves its store for another."""

    @status.transition(
        source=VehicleStatus.IN_TRANSFER, target=VehicleStatus.IN_STOCK, label=pgettext_lazy("status change", "Receive")
    )
    def receive(self) -> None:
        """Arrived (in the destination store) or the transfer was called off."""

    @status.transition(
        source=VehicleStatus.SOLD, target=VehicleStatus.IN_STOCK, label=pgettext_lazy("status change", "Buy back")
    )
    def buy_back(self) -> None:
        """A car the group sold comes back (a trade-in, a private seller): in stock again."""


class ServiceRecord(models.Model):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="service_records")
    date = models.DateField()
    mileage = models.PositiveIntegerField()
    work_done = models.TextField()
    cost = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["-date"]


class MaintenancePlan(models.Model):
    vehicle = models.OneToOneField(Vehicle, on_delete=models.CASCADE, related_name="maintenance_plan")
    next_service_date = models.DateField()
    next_service_mileage = models.PositiveIntegerField()


class InsurancePolicy(models.Model):
    """Each sold vehicle carries two: compulsory and commercial."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="policies")
    kind = models.CharField(max_length=12, choices=PolicyKind.choices)
    insurer = models.CharField(max_length=100)
    policy_number = models.CharField(max_length=60, blank=True)
    expires_on = models.DateField(db_index=True)

    class Meta:
        verbose_name_plural = "insurance policies"
        constraints = [models.UniqueConstraint(fields=["vehicle", "kind"], name="policy_one_per_kind")]


class Transfer(models.Model):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="transfers")
    from_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transfers_out")
    to_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transfers_in")
    reason = models.CharField(max_length=300)
    requested_date = models.DateField(default=timezone.localdate)
    # Empty on a draft the stock rules proposed; set by whoever submits it.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = FSMField(max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)

    class Meta:
        ordering = ["-requested_date", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @status.transition(
        source=TransferStatus.DRAFT, target=TransferStatus.REQUESTED, label=pgettext_lazy("status change", "Submit")
    )
    def submit(self) -> None: ...

    @status.transition(
        source=TransferStatus.DRAFT, target=TransferStatus.REJECTED, label=pgettext_lazy("status change", "Discard")
    )
    def discard(self) -> None: ...

    @status.transition(
        source=TransferStatus.REQUESTED, target=TransferStatus.APPROVED, label=pgettext_lazy("status change", "Approve")
    )
    def approve(self) -> None: ...

    @status.transition(
        source=TransferStatus.REQUESTED, target=TransferStatus.REJECTED, label=pgettext_lazy("status change", "Reject")
    )
    def reject(self) -> None: ...

    @status.transition(
        source=TransferStatus.APPROVED,
        target=TransferStatus.IN_TRANSIT,
        label=pgettext_lazy("status change", "Dispatch"),
    )
    def dispatch(self) -> None: ...

    @status.transition(
        source=TransferStatus.IN_TRANSIT,
        target=TransferStatus.RECEIVED,
        label=pgettext_lazy("status change", "Receive"),
    )
    def receive(self) -> None: ...


class Appraisal(models.Model):
    """A car offered to the dealer."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="appraisals")
    seller_name = models.CharField(max_length=100)
    seller_phone = EncryptedCharField(max_length=20, blank=True)  # a private seller's phone: sealed like customers'
    seller = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="appraisals")
    vin = models.CharField("VIN", max_length=17, db_index=True)
    brand = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    condition = models.TextField(blank=True)
    mileage = models.PositiveIntegerField()
    history = models.TextField(blank=True, help_text="Accidents, owners, service history.")
    offered_price = models.PositiveIntegerField(null=True, blank=True)
    appraiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = FSMField(max_length=12, choices=AppraisalStatus.choices, default=AppraisalStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.vin}"

    @status.transition(
        source=AppraisalStatus.PENDING,
        target=AppraisalStatus.OFFERED,
        label=pgettext_lazy("status change", "Make offer"),
    )
    def offer(self) -> None: ...

    @status.transition(
        source=AppraisalStatus.OFFERED, target=AppraisalStatus.ACCEPTED, label=pgettext_lazy("status change", "Accept")
    )
    def accept(self) -> None: ...

    @status.transition(
        source=[AppraisalStatus.PENDING, AppraisalStatus.OFFERED],
        target=AppraisalStatus.DECLINED,
        label=pgettext_lazy("status change", "Decline"),
    )
    def decline(self) -> None: ...

    @status.transition(
        source=AppraisalStatus.ACCEPTED,
        target=AppraisalStatus.PURCHASED,
        label=pgettext_lazy("status change", "Purchase"),
    )
    def purchase(self) -> None: ...


class AcquisitionRequest(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="acquisition_requests")
    brand = models.CharField(max_length=60)
    model = models.CharField(max_length=60, blank=True)
    vehicle_type = models.CharField(max_length=12, choices=VehicleType.choices, blank=True)
    quantity = models.PositiveSmallIntegerField(default=1)
    reason = models.CharField(max_length=300)
    # Empty on a draft the stock rules proposed; set by whoever submits it.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = FSMField(max_length=12, choices=AcquisitionStatus.choices, default=AcquisitionStatus.REQUESTED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.brand} {self.model}".strip()

    @status.transition(
        source=AcquisitionStatus.DRAFT,
        target=AcquisitionStatus.REQUESTED,
        label=pgettext_lazy("status change", "Submit"),
    )
    def submit(self) -> None: ...

    @status.transition(
        source=AcquisitionStatus.REQUESTED,
        target=AcquisitionStatus.APPROVED,
        label=pgettext_lazy("status change", "Approve"),
    )
    def approve(self) -> None: ...

    @status.transition(
        source=AcquisitionStatus.REQUESTED,
        target=AcquisitionStatus.REJECTED,
        label=pgettext_lazy("status change", "Reject"),
    )
    def reject(self) -> None: ...

    @status.transition(
        source=AcquisitionStatus.APPROVED,
        target=AcquisitionStatus.FULFILLED,
        label=pgettext_lazy("status change", "Fulfil"),
    )
    def fulfil(self) -> None: ...


class VehiclePhoto(StoredFile):
    """A photo of a car in stock or offered to the dealer (its appraisal)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, null=True, blank=True, related_name="photos")
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, null=True, blank=True, related_name="photos")

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vehicle__isnull=False, appraisal__isnull=True)
                | models.Q(vehicle__isnull=True, appraisal__isnull=False),
                name="vehiclephoto_of_a_vehicle_or_an_appraisal",
            )
        ]
