"""Helpers the services share: scoped look-ups and validation."""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet

from ..errors import NotVisible

M = TypeVar("M", bound=models.Model)


def visible_or_raise(queryset: QuerySet[M], pk: Any, what: str) -> M:
    """The record with ``pk`` if it is in ``queryset`` (the user's scope); NotVisible otherwise."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotVisible(f"{what} {pk} does not exist") from None


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
