"""History of changes and attachments."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import AttachmentKind
from .customers import Customer


class ChangeRecord(models.Model):
    """One field of a customer, vehicle or order changed: who, when, old and new.

    Values are stored as they were; personal fields are masked when history is
    shown to someone who could not see them (``portal.crm.history``).
    """

    entity = models.CharField(max_length=20)
    entity_id = models.BigIntegerField()
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["entity", "entity_id", "at"], name="change_entity_idx"),
            # reports: the owner changes of a date range (prospects lost to the pool)
            models.Index(fields=["entity", "field", "at"], name="change_field_at_idx"),
        ]


class PersonalDataRead(models.Model):
    """Someone was shown a customer's personal data: who, when, which customer, which fields, and how.

    Written by ``portal.crm.reads`` on the customer page, the API's customer answers, a scan's download and a
    phone search; shown to admins on the customer's and the reader's pages.
    """

    at = models.DateTimeField(default=timezone.now)
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    fields = models.JSONField(default=list, help_text="the personal fields shown, or the scan's id")
    how = models.CharField(max_length=10, help_text="page, api, scan, search")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "at"], name="read_customer_idx"),
            models.Index(fields=["reader", "at"], name="read_reader_idx"),
        ]


class StoredFile(models.Model):
    """An uploaded file kept outside the web roots (settings.LOTFLOW_ATTACHMENT_DIR), served by scoped views."""

    filename = models.CharField(max_length=200, help_text="The name it was uploaded with (display only).")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Attachment(StoredFile):
    """A scan or contract of a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)

    class Meta:
        ordering = ["-uploaded_at"]
