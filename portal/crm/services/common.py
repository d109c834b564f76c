"""Helpers the services share: scoped look-ups, validation, who acts, and how records are named."""

from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from ..brands import car_name
from ..errors import NotVisible
from ..models import ChangeRecord

M = TypeVar("M", bound=models.Model)


def visible_or_raise(queryset: QuerySet[M], pk: Any, what: str) -> M:
    """The record with ``pk`` if it is in ``queryset`` (the user's scope); NotVisible otherwise."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):  # ObjectDoesNotExist: every model's DoesNotExist
        raise NotVisible(_("%(what)s %(id)s does not exist.") % {"what": what, "id": pk}) from None


def clean_or_raise(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Model validation (field types, choices, lengths, Model.clean), without uniqueness:
    unique fields are checked by the service with a message that says who holds the value."""
    computed = [f.name for f in instance._meta.fields if not f.editable]
    instance.full_clean(exclude=[*(exclude or []), *computed], validate_unique=False, validate_constraints=False)


def merge_errors(*errors: ValidationError) -> ValidationError:
    merged: dict[str, list[str]] = {}
    for error in errors:
        for field, messages in error.message_dict.items():
            merged.setdefault(field, []).extend(messages)
    return ValidationError(merged)


def user_by_username(username: str | None, *, field: str = "by") -> Any:
    """The user named ``username`` (a form's field, a process step's actor); None for no name (a step
    the system takes). A name nobody has is refused on ``field``."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError({field: _("No user named %(username)s.") % {"username": username}})
    return user


def vehicle_label(vehicle: Any) -> str:
    """How a car is named in messages, histories and process data: brand, model, year and VIN."""
    return f"{vehicle.brand} {vehicle.model} {vehicle.year} ({vehicle.vin})"


def vehicle_labels(vehicle: Any) -> dict[str, Any]:
    """Process data naming a car: ``vehicle_label`` as recorded (Toyota Camry 2021 (VIN)), for subjects and
    histories, and ``vehicle_names`` for each language's instructions (``{{ vehicle_names.zh }}``:
    丰田 凯美瑞 2021 (VIN), as Chinese staff name it)."""
    names = {}
    for key, language in (("en", "en"), ("zh", "zh-hans")):
        with translation.override(language):
            names[key] = f"{car_name(vehicle.brand, vehicle.model)} {vehicle.year} ({vehicle.vin})"
    return {"vehicle_label": vehicle_label(vehicle), "vehicle_names": names}


def status_note(entity: str, pk: int, old: str, new: str, *, by: Any, note: str) -> None:
    """History of records that portal.crm.history does not track (transfers, appraisals, requests)."""
    ChangeRecord.objects.create(
        entity=entity, entity_id=pk, field="status", old_value=old, new_value=new, actor=by, note=note[:200]
    )
