"""Validate a parsed rule set against the catalog: every problem, each with its line."""

from typing import Any

from . import catalog
from .language import ALWAYS, Compare, RuleSet


def problems(ruleset: RuleSet) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    facts = catalog.fact_type(ruleset.facts)
    if facts is None:
        found.append((ruleset.lines["facts"], f"unknown kind of fact {ruleset.facts!r}"))
    for rule in ruleset.rules:
        if facts is not None:
            for compare in _comparisons(rule.condition):
                reason = _compare_problem(compare, facts)
                if reason:
                    found.append((compare.line, reason))
        for action in rule.actions:
            for reason in _action_problems(action.name, action.params, ruleset.facts):
                found.append((action.line, reason))
    return found


def _comparisons(node: Any) -> list[Compare]:
    if isinstance(node, Compare):
        return [node]
    return [c for part in node.parts for c in _comparisons(part)]


def _compare_problem(compare: Compare, facts: catalog.FactType) -> str | None:
    if compare.field == ALWAYS:
        return None
    kind = facts.fields.get(compare.field)
    if kind is None:
        known = ", ".join(sorted(facts.fields))
        return f"a {facts.name} has no field {compare.field!r} (fields: {known})"
    op, value = compare.op, compare.value
    if op in ("<", "<=", ">", ">="):
        if kind not in ("number", "whole") or not catalog.fits("number", value):
            return f"{op} compares numbers: {compare.field} is {kind}, the value is {value!r}"
    elif op == "has":
        if kind != "list":
            return f"`has` looks inside a list; {compare.field} is {kind} (use ==)"
    elif kind == "list":
        return f"{compare.field} is a list: use `{compare.field} has value`"
    elif op == "in":
        bad = [v for v in value if not catalog.fits(kind, v)]
        if bad:
            return f"{compare.field} is {kind}; {bad[0]!r} cannot match it"
    elif value is not None and not catalog.fits(kind, value):
        return f"{compare.field} is {kind}; {value!r} cannot match it"
    return None


def _action_problems(name: str, params: dict[str, Any], facts: str) -> list[str]:
    action = catalog.action_type(name)
    if action is None:
        return [f"unknown action {name!r}"]
    found = []
    if action.fact_types and facts not in action.fact_types:
        found.append(f"action {name!r} acts on {', '.join(action.fact_types)}, not on {facts}")
    for param, value in params.items():
        spec = action.params.get(param)
        if spec is None:
            found.append(
                f"action {name!r} has no parameter {param!r} (parameters: {', '.join(action.params) or 'none'})"
            )
        elif not catalog.fits(spec.type, value):
            found.append(f"parameter {param!r} of {name!r} must be {spec.type}, not {value!r}")
    for param, spec in action.params.items():
        if spec.required and param not in params:
            found.append(f"action {name!r} needs parameter {param!r} ({spec.type})")
    return found
