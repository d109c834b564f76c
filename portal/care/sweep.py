"""The care sweep (beat, every ten minutes): bookings without their confirmation are confirmed, and
queued messages whose task was lost are handed to a worker again. Safe to run twice."""

from datetime import datetime

from .delivery import messages_hand_over
from .triggers import confirmations_queue


def care_sweep(*, now: datetime | None = None) -> dict[str, int]:
    report = {"confirmations queued": confirmations_queue(now=now)}
    report.update(messages_hand_over(now=now))
    return report
