"""Status changes of business records: declared transitions, applied under a guard.

Every status field is a ``viewflow.fsm.FSMField`` whose moves are declared on the
model. ``transition_apply`` runs the declared move and writes it with a
conditional UPDATE ... WHERE status = <the state it moved from>, so two requests
that both read the same old state (two orders for one vehicle, two payments
closing one order) cannot both move it: the second finds no row and is refused.
"""

from typing import Any

from django.db import models
from django.dispatch import Signal
from viewflow.fsm import TransitionNotAllowed

from .errors import Conflict, IllegalTransition

# Sent after a transition is written (a conditional UPDATE sends no post_save), with
# ``instance``, ``old``, ``new`` and ``before``: the old values of the ``extra`` fields.
status_changed = Signal()


def _label(instance: models.Model) -> str:
    return f"{instance._meta.verbose_name} {instance}"


def _targets(instance: models.Model, name: str) -> list[str]:
    method = getattr(type(instance), name)
    return sorted({str(t.target) for t in method.get_transitions()})


def _sources(instance: models.Model, name: str) -> list[str]:
    method = getattr(type(instance), name)
    return sorted({str(t.source) for t in method.get_transitions()})


def transition_run(instance: models.Model, name: str, field: str = "status", **kwargs: Any) -> tuple[str, str]:
    """Run the declared transition ``name`` in memory; returns (old, new) or raises IllegalTransition."""
    old = getattr(instance, field)
    try:
        getattr(instance, name)(**kwargs)
    except TransitionNotAllowed as err:
        target = " or ".join(f"'{t}'" for t in _targets(instance, name))
        allowed = " or ".join(f"'{s}'" for s in _sources(instance, name))
        action = getattr(instance, name).label.lower()
        raise IllegalTransition(
            f"Cannot {action} {_label(instance)}: it is '{old}', and only {allowed} can move to {target}."
        ) from err
    return old, getattr(instance, field)


def transition_apply(
    instance: models.Model,
    name: str,
    *,
    actor: Any,
    field: str = "status",
    extra: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """Run transition ``name`` and save it only if the row is still in the state it moved from.

    The conditional UPDATE prevents the lost-update race of two writers that both
    read the old state. ``extra`` fields are written in the same statement.
    """
    from .history import record_change  # history imports models; keep this module import-light

    old, new = transition_run(instance, name, field=field)
    extra = dict(extra or {})
    before = {key: getattr(instance, key) for key in extra}
    rows = type(instance)._default_manager.filter(pk=instance.pk, **{field: old}).update(**{field: new}, **extra)
    if rows != 1:
        current = type(instance)._default_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
        instance.__dict__[field] = current
        raise Conflict(f"{_label(instance)} changed meanwhile: it is now '{current}', not '{old}'")
    for key, value in extra.items():
        setattr(instance, key, value)
    record_change(instance, field, old, new, actor=actor)
    for key, value in extra.items():
        record_change(instance, key, before[key], value, actor=actor)
    status_changed.send(sender=type(instance), instance=instance, old=old, new=new, before=before)
    return old, new
