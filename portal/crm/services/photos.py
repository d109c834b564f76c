"""Photos of vehicles and appraised cars: images checked by content, size limited, stored outside
the web roots (beside customers' attachments), and served only to those who may see the vehicle."""

import hashlib
import secrets
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import NotPermitted, NotVisible
from ..models import Appraisal, Role, VehiclePhoto
from ..scopes import scope_of, vehicles_visible_to
from .attachments import sniff, storage_dir
from .common import visible_or_raise

IMAGE_TYPES = {"image/jpeg", "image/png"}


def _appraisal_for(by: Any, appraisal_id: int) -> Appraisal:
    appraisal = Appraisal.objects.filter(pk=appraisal_id).first()
    scope = scope_of(by)
    if appraisal is None or not (
        scope.everything or scope.holds_in(appraisal.store_id, Role.SALES, Role.STORE_MANAGER, Role.FINANCE)
    ):
        raise NotVisible(_("Appraisal %(id)s does not exist.") % {"id": appraisal_id})
    return appraisal


@transaction.atomic
def photo_add(
    *, by: Any, filename: str, stream: IO[bytes], vehicle_id: int | None = None, appraisal_id: int | None = None
) -> VehiclePhoto:
    """Add a JPEG or PNG photo to a vehicle (staff who keep its store's stock) or to an appraisal."""
    if (vehicle_id is None) == (appraisal_id is None):
        raise ValidationError({"vehicle": _("A photo belongs to one vehicle or one appraisal.")})
    vehicle = appraisal = None
    if vehicle_id is not None:
        vehicle = visible_or_raise(vehicles_visible_to(by), vehicle_id, "vehicle")
        scope = scope_of(by)
        if not (scope.everything or scope.holds_in(vehicle.store_id, Role.SALES, Role.STORE_MANAGER)):
            raise NotPermitted(_("Only the store's sales staff and manager add photos of its cars."))
    else:
        appraisal = _appraisal_for(by, appraisal_id or 0)
    limit = settings.LOTFLOW_ATTACHMENT_MAX_BYTES
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {"file": _("%(filename)s is larger than %(mb)s MB.") % {"filename": filename, "mb": limit // (1024 * 1024)}}
        )
    found = sniff(data[:16], data[-1024:]) if data else None
    if found is None or found[0] not in IMAGE_TYPES:
        raise ValidationError(
            {
                "file": _("%(filename)s is not a JPEG or PNG image (checked by its content, whatever its name says).")
                % {"filename": filename}
            }
        )
    content_type, suffix = found
    storage_name = "photo-" + secrets.token_hex(16) + suffix
    photo = VehiclePhoto.objects.create(
        vehicle=vehicle,
        appraisal=appraisal,
        filename=Path(filename).name[:200],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage_name,
        uploaded_by=by,
    )
    (storage_dir() / storage_name).write_bytes(data)  # last: nothing after it can roll the row back
    return photo


def photo_open(*, photo_id: int, by: Any) -> tuple[VehiclePhoto, Path]:
    """The photo and its file, if ``by`` may see its vehicle or appraisal; NotVisible otherwise."""
    photo = VehiclePhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise NotVisible(_("Photo %(id)s does not exist.") % {"id": photo_id})
    if photo.vehicle_id is not None:
        visible_or_raise(vehicles_visible_to(by), photo.vehicle_id, "photo")
    else:
        _appraisal_for(by, photo.appraisal_id or 0)
    return photo, storage_dir() / photo.storage_name
