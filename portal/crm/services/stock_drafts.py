"""The drafts the thresholds sweep leaves (transfers, acquisition requests) start their processes."""

import logging

from django.core.exceptions import ValidationError

from engine.api import NotFound

from ..models import AcquisitionRequest, Transfer
from ..models.choices import AcquisitionStatus, TransferStatus
from .acquisitions import acquisition_submit
from .transfers import transfer_reject, transfer_submit

log = logging.getLogger(__name__)


def drafts_submit() -> dict[str, int]:
    """Start the processes for every draft the thresholds sweep left (while they are deployed).

    A draft whose car can no longer move (sold or reserved meanwhile) is discarded with the reason,
    so the next sweep may propose another. Returns the non-zero counts, for the sweep's report.
    """
    done = {"submitted transfer": 0, "submitted acquisition request": 0, "discarded draft": 0}
    try:
        for transfer_id in Transfer.objects.filter(status=TransferStatus.DRAFT).values_list("pk", flat=True):
            try:
                transfer_submit(transfer_id=transfer_id)
                done["submitted transfer"] += 1
            except ValidationError as err:
                transfer_reject(transfer_id=transfer_id, reason="; ".join(err.messages))
                done["discarded draft"] += 1
    except NotFound as err:  # vehicle_transfer is not deployed: its drafts stay drafts
        log.info("draft transfers not submitted: %s", err)
    try:
        for request_id in AcquisitionRequest.objects.filter(status=AcquisitionStatus.DRAFT).values_list(
            "pk", flat=True
        ):
            acquisition_submit(request_id=request_id)
            done["submitted acquisition request"] += 1
    except NotFound as err:
        log.info("draft acquisition requests not submitted: %s", err)
    return {key: count for key, count in done.items() if count}
