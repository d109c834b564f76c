"""Validate a parsed rule set against the catalog: every problem, each with its line."""

from typing import Any

from django.conf import settings

from ..translations import language_code
from . import catalog
from .language import ALWAYS, Compare, Rule, RuleSet, Translation


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
    for translation in ruleset.translations:
        reason = _translation_problem(ruleset, translation)
        if reason:
            found.append((translation.line, reason))
    return found


def _translation_problem(ruleset: RuleSet, translation: Translation) -> str | None:
    key = f"{translation.prop}.{translation.language}"
    if language_code(translation.language) is None:
        return f"{key}: unknown language {translation.language!r} (use {_languages()})"
    if not translation.rule:
        if translation.prop != "about":
            return f"{key}: only the rule set's about is translated in the header"
        return None if ruleset.about else f"{key}: the rule set has no about to translate"
    rule = next((r for r in ruleset.rules if r.name == translation.rule), None)
    if rule is None:
        return f"{translation.rule}:{key}: there is no rule {translation.rule!r} in this file"
    if translation.prop == "about":
        return None if rule.about else f"{key}: rule {rule.name!r} has no about to translate"
    return _parameter_problem(rule, translation.prop, key)


def _languages() -> str:
    return ", ".join(code for code, _name in settings.LANGUAGES)


def _parameter_problem(rule: Rule, param: str, key: str) -> str | None:
    values = {str(a.params[param]) for a in rule.actions if param in a.params}
    if not values:
        return f"{key}: no action of rule {rule.name!r} has a parameter {param!r} to translate"
    for action in rule.actions:
        spec = catalog.action_type(action.name)
        wanted = spec.params.get(param) if spec is not None else None
        if param in action.params and wanted is not None and not wanted.shown:
            return f"{key}: parameter {param!r} of {action.name!r} is a value the rules use, not a text people read"
    if len(values) > 1:
        return f"{key}: the actions of rule {rule.name!r} give {param!r} different texts; translate one per rule"
    return None


def translatable(ruleset: RuleSet) -> list[tuple[str, str]]:
    """(rule, prop) of each text a person reads: the rule set's about ("" for the rule), each
    rule's about, and each text parameter its actions show to people."""
    found = [("", "about")] if ruleset.about else []
    for rule in ruleset.rules:
        if rule.about:
            found.append((rule.name, "about"))
        for action in rule.actions:
            spec = catalog.action_type(action.name)
            for param in action.params:
                wanted = spec.params.get(param) if spec is not None else None
                if wanted is not None and wanted.shown and (rule.name, param) not in found:
                    found.append((rule.name, param))
    return found


def texts(ruleset: RuleSet) -> dict[str, dict[str, dict[str, str]]]:
    """rule ("" for the rule set) -> prop -> language -> text, of a rule set check() accepted."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for translation in ruleset.translations:
        code = language_code(translation.language)
        if code is not None:
            found.setdefault(translation.rule, {}).setdefault(translation.prop, {})[code] = translation.text
    return found


def missing_translations(ruleset: RuleSet, language: str) -> list[str]:
    """``rule:prop`` (or ``about`` for the rule set) of each read text without a ``language`` text."""
    code = language_code(language) or language
    have = texts(ruleset)
    return [
        f"{rule}:{prop}" if rule else prop
        for rule, prop in translatable(ruleset)
        if code not in have.get(rule, {}).get(prop, {})
    ]


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
