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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.fsm import TransitionNotAllowed

from .errors import Conflict, IllegalTransition

# Sent after a transition is written (a conditional UPDATE sends no post_save), with
# ``instance``, ``old``, ``new`` and ``before``: the old values of the ``extra`` fields.
status_changed = Signal()


# What a refusal calls each record with a status ("order #12 ...").
RECORD_KINDS = {
    "customer": gettext_lazy("customer"),
    "order": gettext_lazy("order"),
    "vehicle": gettext_lazy("vehicle"),
    "complaint": gettext_lazy("complaint"),
    "returnvisit": gettext_lazy("return visit"),
    "transfer": gettext_lazy("transfer"),
    "appraisal": gettext_lazy("appraisal"),
    "acquisitionrequest": gettext_lazy("acquisition request"),
}


def _label(instance: models.Model) -> str:
    kind = RECORD_KINDS.get(instance._meta.model_name or "", instance._meta.verbose_name)
    return _("%(kind)s %(record)s") % {"kind": kind, "record": instance}


def _state(instance: models.Model, field: str, value: object) -> str:
    """A state as people read it: the choice's label, quoted."""
    labels = dict(instance._meta.get_field(field).flatchoices)  # type: ignore[union-attr]
    return _("“%(state)s”") % {"state": labels.get(value, value)}


def _states(instance: models.Model, field: str, values: set[str]) -> str:
    return _(" or ").join(_state(instance, field, v) for v in sorted(values))


def _action(instance: models.Model, name: str) -> str:
    """The transition's declared (translatable) label; the bound method's own falls back to the
    method name when no transition leaves the current state, which is exactly when we refuse."""
    labels = sorted({str(t.label) for t in getattr(type(instance), name).get_transitions()})
    return labels[0] if labels else name


def _targets(instance: models.Model, name: str) -> set[str]:
    method = getattr(type(instance), name)
    return {str(t.target) for t in method.get_transitions()}


def _sources(instance: models.Model, name: str) -> set[str]:
    method = getattr(type(instance), name)
    return {str(t.source) for t in method.get_transitions()}


def transition_run(instance: models.Model, name: str, field: str = "status", **kwargs: Any) -> tuple[str, str]:
    """Run the declared transition ``name`` in memory; returns (old, new) or raises IllegalTransition."""
    old = getattr(instance, field)
    try:
        getattr(instance, name)(**kwargs)
    except TransitionNotAllowed as err:
        raise IllegalTransition(
            _(
                "The step “%(action)s” is not possible for %(record)s: it is %(state)s, "
                "and only %(allowed)s can move to %(target)s."
            )
            % {
                "record": _label(instance),
                "action": _action(instance, name),
                "state": _state(instance, field, old),
                "allowed": _states(instance, field, _sources(instance, name)),
                "target": _states(instance, field, _targets(instance, name)),
            }
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
        raise Conflict(
            _("Someone changed %(record)s meanwhile: it is now %(current)s, not %(old)s.")
            % {
                "record": _label(instance),
                "current": _state(instance, field, current),
                "old": _state(instance, field, old),
            }
        )
    for key, value in extra.items():
        setattr(instance, key, value)
    record_change(instance, field, old, new, actor=actor)
    for key, value in extra.items():
        record_change(instance, key, before[key], value, actor=actor)
    status_changed.send(sender=type(instance), instance=instance, old=old, new=new, before=before)
    return old, new
