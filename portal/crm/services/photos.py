"""Photos of vehicles and appraised cars: images checked by content, size limited, stored outside
the web roots (beside customers' attachments), and served only to those who may see the vehicle."""

from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import NotPermitted, NotVisible
from ..models import Appraisal, Role, VehiclePhoto
from ..scopes import scope_of, vehicles_visible_to
from .attachments import read_limited, sniff, storage_dir, stored_file_save, whole
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
    data = read_limited(stream, filename)
    found = sniff(data[:16], data[-1024:]) if data else None
    kept = whole(data, found) if found and found[0] in IMAGE_TYPES else None
    if found is None or kept is None:
        raise ValidationError(
            {
                "file": _("%(filename)s is not a JPEG or PNG image (checked by its content, whatever its name says).")
                % {"filename": filename}
            }
        )
    return stored_file_save(
        VehiclePhoto, kept, filename=filename, found=found, by=by, prefix="photo-", vehicle=vehicle, appraisal=appraisal
    )


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
