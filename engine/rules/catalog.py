"""What rule files may talk about: kinds of facts and the actions rules may take.

Other apps register them at start-up (the CRM registers prospects, leads and
stock levels, and the actions that change them); a rule file that names a fact
field or an action nobody registered is refused, with its line.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Field and parameter types a rule file can use.
TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "number": (int, float),
    "whole": (int,),
    "flag": (bool,),
    "list": (list, tuple),
}


@dataclass(frozen=True)
class FactType:
    name: str
    fields: dict[str, str]  # field -> type name (TYPES)
    description: str = ""


@dataclass(frozen=True)
class Param:
    type: str
    required: bool = True
    description: str = ""
    shown: bool = False  # a text people read (a reason, a message): rule files translate it


@dataclass(frozen=True)
class ActionType:
    name: str
    params: dict[str, Param] = field(default_factory=dict)
    description: str = ""
    fact_types: tuple[str, ...] = ()  # empty: any kind of fact


# Builds the facts of a real record for a dry run: (reference such as "12") -> facts.
FactBuilder = Callable[[str], list[dict[str, Any]]]

_facts: dict[str, FactType] = {}
_actions: dict[str, ActionType] = {}
_builders: dict[str, FactBuilder] = {}


def register_fact_type(name: str, fields: dict[str, str], description: str = "") -> FactType:
    for field_name, type_name in fields.items():
        if type_name not in TYPES:
            raise ValueError(f"fact {name}.{field_name}: unknown type {type_name!r} (use {', '.join(TYPES)})")
    _facts[name] = FactType(name, dict(fields), description)
    return _facts[name]


def register_action(
    name: str, params: dict[str, Param] | None = None, description: str = "", fact_types: tuple[str, ...] = ()
) -> ActionType:
    for param_name, param in (params or {}).items():
        if param.type not in TYPES:
            raise ValueError(f"action {name}({param_name}): unknown type {param.type!r}")
    _actions[name] = ActionType(name, dict(params or {}), description, fact_types)
    return _actions[name]


def register_fact_builder(fact_type_name: str, builder: FactBuilder) -> None:
    """How to read the facts of a real record (a customer, a store's stock) for a dry run."""
    _builders[fact_type_name] = builder


def fact_builder(fact_type_name: str) -> FactBuilder | None:
    return _builders.get(fact_type_name)


def fact_type(name: str) -> FactType | None:
    return _facts.get(name)


def action_type(name: str) -> ActionType | None:
    return _actions.get(name)


def fits(type_name: str, value: Any) -> bool:
    if type_name in ("number", "whole") and isinstance(value, bool):
        return False
    return isinstance(value, TYPES[type_name])
