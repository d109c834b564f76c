"""Timer event definitions that read the engine's clock instead of the system's.

SpiffWorkflow's three timer definitions call ``datetime.now`` inside
``has_fired``/``cycle_complete`` and in the interval helpers. These subclasses
replace every one of those reads with ``engine.clock.now()``; the parser swaps
them in after parsing and the serializer knows them by name, so a stored
instance comes back with the same clock-aware timers.

A timer value may be an ISO 8601 literal (``PT24H``, ``2026-12-01T09:00:00+08:00``,
``R3/PT1H``) or an expression that evaluates to one (``"P%dD" % days``).
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from . import clock

_ISO_LITERAL = re.compile(
    r"^(R\d*/)?(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)"
    r"(/(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?))?$"
)


def timer_value(my_task: Any, expression: str) -> str:
    text = expression.strip()
    if _ISO_LITERAL.match(text):
        return text
    return str(my_task.workflow.script_engine.evaluate(my_task, text))


def is_literal(expression: str) -> bool:
    return bool(_ISO_LITERAL.match(expression.strip()))


def _after(duration_text: str, start: datetime) -> datetime:
    parsed = TimerEventDefinition.parse_iso_duration(duration_text)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def parse_cycle(expression: str, start: datetime) -> tuple[int, datetime, timedelta]:
    """(cycles, first due time, interval) of an ISO 8601 repeating interval."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        duration = TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(components[1]), start
        )
        return cycles, start + duration, duration
    return TimerEventDefinition.parse_iso_recurring_interval(expression)


class ClockTimeDate(TimeDateEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = timer_value(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) <= clock.now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDuration(DurationTimerEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = _after(timer_value(my_task, self.expression), clock.now()).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= clock.now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycle(CycleTimerEventDefinition):
    def cycle_complete(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            cycles, start, duration = parse_cycle(timer_value(my_task, self.expression), clock.now())
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= clock.now():
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


_SWAP = {
    TimeDateEventDefinition: ClockTimeDate,
    DurationTimerEventDefinition: ClockDuration,
    CycleTimerEventDefinition: ClockCycle,
}
CLOCK_TIMERS = tuple(_SWAP.values())


def use_engine_clock(event_definition: Any) -> None:
    """Turn a parsed timer definition (or the timers in a multiple event) clock-aware."""
    replacement = _SWAP.get(type(event_definition))
    if replacement is not None:
        event_definition.__class__ = replacement
    elif isinstance(event_definition, MultipleEventDefinition):
        for inner in event_definition.event_definitions:
            use_engine_clock(inner)


def due_at(my_task: Any) -> datetime | None:
    """When a waiting timer task will fire, from what its definition stored."""
    event_value = my_task._get_internal_data("event_value")
    if event_value is None:
        return None
    if isinstance(event_value, dict):
        if event_value.get("cycles") == 0:
            return None
        return datetime.fromisoformat(event_value["next"]).astimezone(UTC)
    parsed = TimerEventDefinition.parse_time_or_duration(event_value)
    return parsed if isinstance(parsed, datetime) else None
