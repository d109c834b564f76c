"""Who read which customer's personal data: every showing of phones, e-mail, address, ID number, birthday or a
scan is recorded (``PersonalDataRead``), so that an admin can answer "who looked at this customer?" and "what
did this person look at?". Written in the request that shows the data, in one insert however many customers.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import Customer, PersonalDataRead

# What everyone who sees a customer sees (to call them), and what only identity holders see (scopes.can_see_identity).
CONTACT = ["phones", "email", "address"]
IDENTITY = ["id_number", "birthday"]
FIELD_LABELS = {
    "phones": _("phones"),
    "email": _("e-mail"),
    "address": _("address"),
    "id_number": _("ID number"),
    "birthday": _("birthday"),
    "scan": _("scan"),
}
HOW_LABELS = {
    "page": _("customer page"),
    "list": _("customer list"),
    "api": _("API"),
    "scan": _("download"),
    "search": _("search"),
}


def shown_fields(identity: bool) -> list[str]:
    return CONTACT + IDENTITY if identity else list(CONTACT)


def record(reader: Any, customers: Iterable[Customer | int], fields: list[str], how: str) -> None:
    record_each(reader, [(c if isinstance(c, int) else c.pk, fields) for c in customers], how)


def record_each(reader: Any, shown: list[tuple[int, list[str]]], how: str) -> None:
    """One row per (customer id, fields shown), in one insert."""
    if shown and getattr(reader, "is_authenticated", False):
        PersonalDataRead.objects.bulk_create(
            [PersonalDataRead(reader=reader, customer_id=pk, fields=fields, how=how) for pk, fields in shown]
        )


def described(read: PersonalDataRead) -> str:
    """ "phones, ID number (customer page)" in the reader's language."""
    names = [str(FIELD_LABELS.get(f.split(":")[0], f)) for f in read.fields]
    return f"{'、'.join(names) if _cjk() else ', '.join(names)} ({HOW_LABELS.get(read.how, read.how)})"


def _cjk() -> bool:
    return (get_language() or "").startswith("zh")


def latest_for_customer(customer: Customer, count: int = 20) -> list[PersonalDataRead]:
    return list(PersonalDataRead.objects.filter(customer=customer).select_related("reader")[:count])


def latest_by_reader(reader: Any, count: int = 20) -> list[PersonalDataRead]:
    return list(PersonalDataRead.objects.filter(reader=reader).select_related("customer")[:count])
