"""Messages to customers, their templates, and each customer's consent and preferences.

A ``Message`` keeps the rendered text and the recipient (personal data: scoped like the
customer, see ``selectors.messages_visible_to``) and what happened to it. Its
``dedupe_key`` is unique: whatever queues a message twice (a sweep run twice, a
redelivered task, a retried service task) finds the first one and sends nothing more.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from portal.crm.models.encrypted import EncryptedCharField, EncryptedJSONField, EncryptedTextField


class Channel(models.TextChoices):
    SMS = "sms", pgettext_lazy("message channel", "SMS")
    EMAIL = "email", pgettext_lazy("message channel", "E-mail")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("message status", "Queued")
    # Claimed by a worker and handed to the provider; a crash here is not resent (see delivery.py).
    SENDING = "sending", pgettext_lazy("message status", "Sending")
    SENT = "sent", pgettext_lazy("message status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
    FAILED = "failed", pgettext_lazy("message status", "Failed")
    SUPPRESSED = "suppressed", pgettext_lazy("message status", "Not sent")


class ConsentVia(models.TextChoices):
    STAFF_FORM = "staff_form", pgettext_lazy("consent recorded through", "Staff form")
    SMS_REPLY = "sms_reply", pgettext_lazy("consent recorded through", "SMS reply")
    SURVEY_PAGE = "survey_page", pgettext_lazy("consent recorded through", "Survey page")
    EMAIL_LINK = "email_link", pgettext_lazy("consent recorded through", "E-mail link")
    IMPORT = "import", pgettext_lazy("consent recorded through", "Import")


class MessageTemplate(models.Model):
    """What a kind of message says in one language: an e-mail subject and a body with named
    placeholders (``{{ customer_name }}``); ``placeholders.KEYS`` says which names each key may use."""

    key = models.CharField(max_length=60)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=2000)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="care_template_key_language")]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"


class Message(models.Model):
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="messages")
    template_key = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=10)
    # Personal data: the phone or address it went to, and the text as sent.
    # What was sent to whom is personal data: sealed like the customer's own (portal.crm.models.encrypted).
    recipient = EncryptedCharField(max_length=254, blank=True)
    subject = EncryptedCharField(max_length=200, blank=True)
    body = EncryptedTextField(blank=True)
    # What the provider was given besides the text (the template's placeholders' values, for
    # providers that send their own registered template); only what the template names.
    params = EncryptedJSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    reason = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Quiet hours: not sent before this time.")
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took it to send.")
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="care_message_customer_idx"),
            models.Index(fields=["status", "not_before"], name="care_message_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} → {self.customer_id} ({self.status})"


class ConsentChange(models.Model):
    """One change of a customer's consent to a channel: when, by whom, through what. The newest
    per channel is in force; none means allowed (the group's messages are about the customer's
    own car and appointments; an opt-out stops all of them)."""

    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="consent_changes")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    allowed = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    via = models.CharField(max_length=20, choices=ConsentVia.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "at"], name="care_consent_customer_idx")]


class Preference(models.Model):
    """How a customer likes to be reached: a channel and a language (none: the group's defaults)."""

    customer = models.OneToOneField("crm.Customer", on_delete=models.CASCADE, related_name="care_preference")
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
