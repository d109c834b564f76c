"""Audit events: every state change says who, when, what task and what data."""

from typing import Any

from . import clock
from .models import AuditEvent


def record(
    action: str,
    *,
    instance: Any = None,
    item: Any = None,
    actor: Any = None,
    process_id: str = "",
    element_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        instance=instance,
        work_item=item,
        process_id=process_id or getattr(instance, "process_id", "") or getattr(item, "process_id", ""),
        element_id=element_id or getattr(item, "element_id", ""),
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        at=clock.now(),
        data=data or {},
    )
