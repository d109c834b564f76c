"""What the rule studio asks of the rules (issue 20): the catalog an editor completes from, the rule
sets with their version in force, the text of any version, why each rule matched a fact or not, the
example cases, a save that knows which version it was edited from, and a rollback.

Everything here reads or goes through ``versions``: a save is ``versions.save`` (checked, audited, in
force in every process at once), a rollback is a save of an old text, audited as a rollback.
"""

import json
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from .. import audit
from ..errors import Conflict, InvalidData, NotFound
from ..models import RuleSetVersion
from ..translations import active_language, pick
from . import catalog, versions
from .check import texts
from .host import Decision, compile_ruleset
from .language import ALWAYS, Compare

# Larger texts are refused before they are parsed (a rule set is a page or two of text).
MAX_TEXT_BYTES = 200_000


def rules_catalog() -> dict[str, Any]:
    """Every registered kind of fact (fields and their types) and action (parameters and their types)."""
    return {
        "facts": {
            f.name: {"fields": dict(f.fields), "description": f.description}
            for f in sorted(catalog._facts.values(), key=lambda f: f.name)
        },
        "actions": {
            a.name: {
                "params": {
                    name: {"type": p.type, "required": p.required, "shown": p.shown, "description": p.description}
                    for name, p in a.params.items()
                },
                "description": a.description,
                "facts": list(a.fact_types),
            }
            for a in sorted(catalog._actions.values(), key=lambda a: a.name)
        },
    }


def rule_sets(language: str | None = None) -> list[dict[str, Any]]:
    """Every rule set (shipped or saved) with its version in force: who saved it, when and why."""
    code = active_language(language)
    names = set(versions.shipped()) | set(RuleSetVersion.objects.values_list("name", flat=True).distinct())
    found = []
    for name in sorted(names):
        row = RuleSetVersion.objects.filter(name=name).select_related("author").order_by("-version").first()
        about, facts = "", ""
        try:
            ruleset = versions.in_force(name).ruleset
            about = pick(texts(ruleset).get("", {}).get("about"), code, ruleset.about)
            facts = ruleset.facts
        except versions.RulesRefused:
            pass
        found.append(
            {
                "name": name,
                "about": about,
                "facts": facts,
                "version": row.version if row else None,
                "author": row.author if row else None,
                "saved_at": row.saved_at if row else None,
                "comment": row.comment if row else "",
                "versions": RuleSetVersion.objects.filter(name=name).count(),
            }
        )
    return found


def rules_versions(name: str) -> list[dict[str, Any]]:
    """The saved versions of a rule set, newest first, then the shipped file (version 0)."""
    rows = RuleSetVersion.objects.filter(name=name).select_related("author").order_by("-version")
    found = [
        {"version": r.version, "author": r.author, "saved_at": r.saved_at, "comment": r.comment, "text": r.text}
        for r in rows
    ]
    path = versions.shipped().get(name)
    if path is not None:
        found.append(
            {"version": 0, "author": None, "saved_at": None, "comment": "", "text": path.read_text(encoding="utf-8")}
        )
    if not found:
        raise NotFound(f"no rule set {name!r}")
    return found


def rules_text(name: str, version: int | None = None) -> tuple[str, int]:
    """The text of a version (default: the one in force) and its number (0: the shipped file)."""
    if version is None:
        text, saved = versions.in_force_text(name)
        return text, saved or 0
    if version == 0:
        path = versions.shipped().get(name)
        if path is None:
            raise NotFound(f"rule set {name!r} has no shipped file")
        return path.read_text(encoding="utf-8"), 0
    found = RuleSetVersion.objects.filter(name=name, version=version).values_list("text", flat=True).first()
    if found is None:
        raise NotFound(f"rule set {name!r} has no version {version}")
    return found, version


def shipped_cases(name: str) -> list[dict[str, Any]]:
    """The example cases beside the shipped file (rules/NAME.cases.json), or none."""
    path = versions.rules_dir() / f"{name}.cases.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def run_cases(text: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each case with what the text decides for its fact; ``ok`` when that is what the case expects."""
    ruleset = versions.check_text(text)
    compiled = compile_ruleset(ruleset, text)
    found = []
    for case in cases:
        try:
            decisions = versions._evaluate(compiled, {"id": 1, **case["fact"]})
            got: list[Any] = [[d.rule, d.action, d.params] for d in decisions]
            error = ""
        except InvalidData as err:
            got, error = [], str(err)
        found.append({**case, "got": got, "ok": not error and got == case["expect"], "error": error})
    return found


@dataclass(frozen=True)
class Check:
    """One comparison of a rule's condition against one fact."""

    text: str  # as the file says it, a `set` name with its value
    field: str
    value: Any  # the fact's value of the field (None: the fact has none)
    has_value: bool
    ok: bool


def explain(text: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each fact: each rule, whether its condition holds and which comparisons did or did not,
    whether it acted, and the decisions (the engine's own evaluation). Nothing is applied."""
    ruleset = versions.check_text(text)
    # Each fact is told apart by its place in the list (a typed fact often has no id).
    numbered = [{**fact, "id": index} if isinstance(fact, dict) else fact for index, fact in enumerate(facts)]
    decisions = versions._evaluate(compile_ruleset(ruleset, text), numbered)
    language, translated = active_language(), texts(ruleset)
    found = []
    for index, fact in enumerate(facts):
        mine = [replace(d, fact=fact.get("id")) for d in decisions if d.fact == index]
        acted = {d.rule for d in mine}
        rules = []
        for rule in ruleset.rules:
            checks: list[Check] = []
            matched = _holds(rule.condition, fact, checks)
            rules.append(
                {
                    "name": rule.name,
                    "about": pick(translated.get(rule.name, {}).get("about"), language, rule.about),
                    "when": rule.condition_text.strip(),
                    "matched": matched,
                    "acted": rule.name in acted,
                    "checks": checks,
                }
            )
        # Each decision with its parameters as the reader reads them (a text people read in their language).
        shown = [
            {
                **d.as_dict(),
                "shown": {
                    k: pick(d.translations.get(k), language, v) if isinstance(v, str) else v
                    for k, v in d.params.items()
                },
            }
            for d in mine
        ]
        found.append({"fact": fact, "rules": rules, "decisions": shown})
    return found


def _holds(node: Any, fact: dict[str, Any], checks: list[Check]) -> bool:
    if isinstance(node, Compare):
        ok = _compare(node, fact)
        checks.append(
            Check(_compare_text(node), node.field, fact.get(node.field), fact.get(node.field) is not None, ok)
        )
        return ok
    results = [_holds(part, fact, checks) for part in node.parts]  # every part, so each shows its result
    return all(results) if node.op == "and" else any(results)


def _compare(node: Compare, fact: dict[str, Any]) -> bool:
    if node.field == ALWAYS:
        return True
    value = fact.get(node.field)
    if node.op == "in":
        return value in node.value
    if node.value is None:
        return (value is None) == (node.op == "==")
    if value is None:
        return False  # a comparison on a field without a value does not match
    if node.op == "has":
        return isinstance(value, list | tuple) and node.value in value
    if node.op in ("<", "<=", ">", ">="):
        if not (catalog.fits("number", value) and catalog.fits("number", node.value)):
            return False
        return {"<": value < node.value, "<=": value <= node.value, ">": value > node.value, ">=": value >= node.value}[
            node.op
        ]
    return (value == node.value) == (node.op == "==")


def _literal(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return str(value)


def _compare_text(node: Compare) -> str:
    if node.field == ALWAYS:
        return "always"
    value = f"{node.constant} ({_literal(node.value)})" if node.constant else _literal(node.value)
    return f"{node.field} {node.op} {value}"


class VersionMoved(Conflict):
    """The rule set was saved by someone else since the editor opened it."""

    def __init__(self, name: str, base: int, current: dict[str, Any], base_text: str):
        self.name, self.base, self.current, self.base_text = name, base, current, base_text
        super().__init__(f"{name} moved from v{base} to v{current['version']} while it was being edited")


def save_from(text: str, *, base_version: int, user: Any, comment: str) -> RuleSetVersion:
    """Save ``text`` as the next version, if the version in force is still ``base_version`` (0: the shipped
    file), the one the editor opened; else VersionMoved, with who saved what since. Nothing is half-saved."""
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise InvalidData({"text": [f"the text is larger than {MAX_TEXT_BYTES // 1000} KB"]})
    ruleset = versions.check_text(text)
    with transaction.atomic():
        row = RuleSetVersion.objects.filter(name=ruleset.name).select_related("author").order_by("-version").first()
        current = row.version if row else 0
        if current != base_version:
            try:
                base_text = rules_text(ruleset.name, base_version)[0]
            except NotFound:
                base_text = ""
            moved = {
                "version": current,
                "author": row.author if row else None,
                "saved_at": row.saved_at if row else None,
                "comment": row.comment if row else "",
                "text": row.text if row else "",
            }
            raise VersionMoved(ruleset.name, base_version, moved, base_text)
        return versions.save(text, user=user, comment=comment)


def rollback(name: str, version: int, *, user: Any, comment: str) -> RuleSetVersion:
    """Put an old version (0: the shipped file) in force again as a new version; audited as a rollback."""
    text, _number = rules_text(name, version)
    with transaction.atomic():
        saved = versions.save(text, user=user, comment=comment, file=f"{name} v{version}")
        audit.record(
            "rules_rolled_back",
            actor=user,
            data={"ruleset": name, "version": saved.version, "back_to": version, "comment": saved.comment},
        )
    return saved


def facts_of(name: str, reference: str) -> list[dict[str, Any]]:
    return versions.facts_of(name, reference)


def fact_kind(name: str) -> str:
    return versions.in_force(name).ruleset.facts


def decisions_as_rows(decisions: list[Decision]) -> list[list[Any]]:
    return [[d.rule, d.action, d.params] for d in decisions]
