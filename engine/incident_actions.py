"""An admin's actions on incidents (automatic steps that failed), one or many at once, with a reason.

Retrying runs the failed step again now (``runtime.retry_incident``); cancelling ends the
instance the failure stopped (``runtime.cancel``: its open items, timers and incidents end
with it), since a failed step cannot be skipped safely. Each incident is acted on in its own
transaction, with an audit event that says who, when and why; one that cannot be acted on
(already resolved, say) is reported and the others go on.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .errors import EngineError, InvalidData
from .models import Incident, IncidentStatus, ProcessInstance
from .runtime import cancel as cancel_instance
from .runtime import retry_incident
from .store import bundle
from .translations import active_language, deployment_texts

OPEN = (IncidentStatus.RETRYING, IncidentStatus.WAITING)


@dataclass
class Outcome:
    incident_id: int
    instance_id: int | None
    done: bool
    status: str  # the incident's status afterwards
    error: str = ""  # why it was not done, or the step's new error


def rows(*, process_id: str = "", stores: set[int] | None = None, open_only: bool = True) -> list[dict[str, Any]]:
    """Incidents with their instance's process, store and business key, newest first.

    ``stores``: only instances of these stores (None: every instance, group-wide ones included).
    """
    found = Incident.objects.select_related("instance").order_by("-created_at", "-id")
    if open_only:
        found = found.filter(status__in=OPEN)
    if process_id:
        found = found.filter(instance__process_id=process_id)
    if stores is not None:
        found = found.filter(instance__store_id__in=stores)
    return [
        {
            "id": i.pk,
            "instance_id": i.instance_id,
            "process_id": i.instance.process_id,
            "business_key": i.instance.business_key,
            "store_id": i.instance.store_id,
            "element_id": i.element_id,
            "element": _element_name(i),
            "error": i.error,
            "attempts": i.attempts,
            "status": i.status,
            "next_attempt_at": i.next_attempt_at,
            "created_at": i.created_at,
            "updated_at": i.updated_at,
        }
        for i in found
    ]


def _element_name(incident: Incident) -> str:
    """The failed step's name in the active language (its id when the file names it nowhere)."""
    if not incident.element_id:
        return ""
    row = incident.instance
    drawn = ""
    try:
        found = bundle(row.deployment_id, row.callees or {})
        for spec in (found.spec, *found.subprocess_specs.values()):
            task_spec = spec.task_specs.get(incident.element_id)
            if task_spec is not None:
                drawn = getattr(task_spec, "bpmn_name", "") or ""
                break
    except EngineError:
        pass
    name = deployment_texts(row.deployment_id).text(incident.element_id, "name", active_language(None), drawn)
    return f"{name} ({incident.element_id})" if name else incident.element_id


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidData({"reason": [_("a reason is required")]})
    return text


def retry(incident_ids: list[int], *, user: Any, reason: str) -> list[Outcome]:
    """Run each incident's failed step again now; the reason is recorded with the retry."""
    why = _reason(reason)
    outcomes = []
    for incident_id in incident_ids:
        try:
            with transaction.atomic():
                incident = Incident.objects.select_related("instance").filter(pk=incident_id).first()
                if incident is None or incident.status not in OPEN:
                    outcomes.append(_not_open(incident_id, incident))
                    continue
                retry_incident(incident_id, user=user)
                incident.refresh_from_db()
                audit.record(
                    "incident_retried",
                    instance=incident.instance,
                    actor=user,
                    element_id=incident.element_id,
                    data={"incident": incident.pk, "reason": why, "status": incident.status},
                )
                resolved = incident.status == IncidentStatus.RESOLVED
                outcomes.append(
                    Outcome(
                        incident.pk, incident.instance_id, True, incident.status, "" if resolved else incident.error
                    )
                )
        except EngineError as err:
            outcomes.append(Outcome(incident_id, None, False, "", str(err)))
    return outcomes


def cancel(incident_ids: list[int], *, user: Any, reason: str) -> list[Outcome]:
    """End the instance each incident stopped, with the reason (its other incidents end with it)."""
    why = _reason(reason)
    outcomes = []
    for incident_id in incident_ids:
        try:
            with transaction.atomic():
                incident = Incident.objects.filter(pk=incident_id).first()
                if incident is None or incident.status not in OPEN:
                    outcomes.append(_not_open(incident_id, incident))
                    continue
                cancel_instance(incident.instance_id, user=user, reason=why)
                audit.record(
                    "incident_cancelled",
                    instance=ProcessInstance.objects.get(pk=incident.instance_id),
                    actor=user,
                    element_id=incident.element_id,
                    data={"incident": incident.pk, "reason": why},
                )
                outcomes.append(Outcome(incident.pk, incident.instance_id, True, IncidentStatus.CANCELLED))
        except EngineError as err:
            outcomes.append(Outcome(incident_id, None, False, "", str(err)))
    return outcomes


def _not_open(incident_id: int, incident: Incident | None) -> Outcome:
    if incident is None:
        return Outcome(incident_id, None, False, "", _("incident %(id)s does not exist") % {"id": incident_id})
    return Outcome(
        incident_id,
        incident.instance_id,
        False,
        incident.status,
        _("incident %(id)s is no longer open") % {"id": incident_id},
    )
