"""Stores and staff: who works where, and in which roles.

The engine only needs to know, through ``portal.crm.grants``, which (role, store)
pairs a user holds; everything else in the CRM hangs off these records.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.ui.people import display_name


class Role(models.TextChoices):
    SALES = "sales", pgettext_lazy("staff role", "Sales")
    STORE_MANAGER = "store_manager", pgettext_lazy("staff role", "Store manager")
    HQ = "hq", pgettext_lazy("staff role", "Headquarters")
    FINANCE = "finance", pgettext_lazy("staff role", "Finance")
    SERVICE = "service", pgettext_lazy("staff role", "Service")
    COMPLAINTS = "complaints", pgettext_lazy("staff role", "Complaints")
    ADMIN = "admin", pgettext_lazy("staff role", "Administrator")


class Store(models.Model):
    name = models.CharField(max_length=100, unique=True)
    region = models.CharField(max_length=100)
    address = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="staff", null=True, blank=True)
    active = models.BooleanField(default=True)
    phone = models.CharField(max_length=20, blank=True)
    # A code of settings.LANGUAGES, checked where it is saved (portal.i18n); blank: the group's default.
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("Blank: the dealer group's default language.")
    )

    class Meta:
        verbose_name_plural = "staff"
        ordering = ["user__username"]

    def __str__(self) -> str:
        return display_name(self.user)


class StaffRole(models.Model):
    """One role a staff member holds, in their home store or across the group."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    group_wide = models.BooleanField(
        default=False, help_text="Held in every store, not only the home store (hq, admin, ...)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "role"], name="staffrole_unique_role"),
        ]

    def __str__(self) -> str:
        where = "group" if self.group_wide else (self.staff.store or "no store")
        return f"{self.staff} {self.role} @ {where}"


class ApiToken(models.Model):
    """A key for the REST API, kept only as its SHA-256 digest: whoever reads the database cannot use it.

    The key itself is shown once, when it is issued (``manage.py api_token``); deactivating its person
    deletes it (portal.crm.services.staff).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=8, editable=False, help_text="The key's last characters, to tell keys apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"…{self.hint}"
