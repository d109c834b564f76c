"""The one adapter to durable_rules: compile a rule set, evaluate facts, return decisions.

durable_rules facts about this version (2.0.28) that shape this module:
- a Host cannot register a second rule set under a name it has: compiled rule
  sets are named by a digest of their text, so an edit registers a new name and
  an unchanged text reuses the old one;
- every Host starts threads that live as long as the process and do not
  survive a fork: one Host per process, made on first use and remade if the
  process id changed (Celery's prefork children);
- the engine has no locks: evaluations in one process take turns;
- a fact or event that matches no rule raises MessageNotHandledException,
  which here simply means "no decision";
- exceptions inside actions never reach the caller: our actions only record
  which rule fired, and the caller applies decisions after evaluation;
- ``$nex`` (field does not exist) ends the process, and a string compared with
  a number can match: a field without a value is left out of the fact, and
  ``field == none`` is compiled to a companion flag ``field__set``.
"""

import hashlib
import itertools
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from durable.engine import Host, MessageNotHandledException

from ..errors import EngineError
from .check import texts as translations_of
from .language import ALWAYS, Compare, RuleSet

_FLAG = "__set"
_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


@dataclass(frozen=True)
class Decision:
    """One action a rule decided on for one fact, with why."""

    fact: Any  # the fact's "id" as given
    rule: str
    about: str
    condition: str
    action: str
    params: dict[str, Any]
    # prop (about, or a parameter) -> language -> text: the rule file's translations
    translations: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    def text(self, prop: str = "about") -> dict[str, Any]:
        """The rule's ``about`` or a text parameter, stored as a text with its translations
        (engine.translations.render shows it in each reader's language)."""
        drawn = self.about if prop == "about" else str(self.params.get(prop, ""))
        return {"texts": dict(self.translations.get(prop, {})), "drawn": drawn}

    def as_dict(self) -> dict[str, Any]:
        found = {
            "fact": self.fact,
            "rule": self.rule,
            "about": self.about,
            "when": self.condition,
            "action": self.action,
            "params": self.params,
        }
        if self.translations:
            found["translations"] = self.translations
        return found


@dataclass(frozen=True)
class Compiled:
    ruleset: RuleSet
    durable_name: str
    definition: dict[str, Any]
    texts: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # rule -> prop -> language -> text


def _condition(node: Any) -> dict[str, Any]:
    if not isinstance(node, Compare):
        return {f"${node.op}": [_condition(part) for part in node.parts]}
    field, op, value = node.field, node.op, node.value
    if value is None:
        return {field + _FLAG: op != "=="}
    if op == "==":
        return {field: value}
    if op == "in":
        options = [{field: v} if v is not None else {field + _FLAG: False} for v in value]
        return options[0] if len(options) == 1 else {"$or": options}
    if op == "has":
        return {"$iany": {field: {"$i": value}}}
    return {_OPS[op]: {field: value}}


def compile_ruleset(ruleset: RuleSet, text: str) -> Compiled:
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    name = f"{ruleset.name}__{digest}"
    rules: dict[str, Any] = {}
    for index, rule in enumerate(ruleset.rules):
        body: dict[str, Any] = {"all": [{"m": _condition(rule.condition)}], "run": f"{name}/{index}"}
        if ruleset.match == "first":
            body["pri"] = index + 1  # durable_rules fires the lowest pri first and consumes the event
        rules[rule.name] = body
    return Compiled(ruleset, name, {name: rules}, translations_of(ruleset))


class _Evaluator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._host: Host | None = None
        self._pid = 0
        self._registered: set[str] = set()
        self._fired: list[tuple[str, str]] = []
        self._ids = itertools.count(1)

    def _ensure(self, compiled: Compiled) -> Host:
        if self._host is None or self._pid != os.getpid():
            self._host = Host()
            self._host.get_action = self._action  # type: ignore[method-assign]
            self._pid = os.getpid()
            self._registered = set()
        if compiled.durable_name not in self._registered:
            self._host.set_rulesets(compiled.definition)
            self._registered.add(compiled.durable_name)
        return self._host

    def _action(self, run_name: str) -> Any:
        def fired(context: Any) -> None:
            self._fired.append((run_name, context.m.id))

        return fired

    def evaluate(self, compiled: Compiled, facts: list[dict[str, Any]], fields: list[str]) -> list[Decision]:
        with self._lock:
            host = self._ensure(compiled)
            self._fired = []
            refs: dict[str, Any] = {}
            for fact in facts:
                key = f"f{next(self._ids)}"
                refs[key] = fact.get("id")
                payload = _payload(fact, fields, key)
                self._run(host, compiled, payload)
            fired, self._fired = self._fired, []
        return _decisions(compiled, fired, refs)

    @staticmethod
    def _run(host: Host, compiled: Compiled, payload: dict[str, Any]) -> None:
        name = compiled.durable_name
        try:
            if compiled.ruleset.match == "first":
                result = host.post(name, payload)
            else:
                result = host.assert_fact(name, payload)
                host.retract_fact(name, payload)
        except MessageNotHandledException:
            return
        if isinstance(result, dict) and result.get("exception"):
            raise EngineError(f"rule set {compiled.ruleset.name}: {result['exception']}")


def _payload(fact: dict[str, Any], fields: list[str], key: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": key, ALWAYS: True}
    for name in fields:
        value = fact.get(name)
        payload[name + _FLAG] = value is not None
        if value is not None:
            payload[name] = list(value) if isinstance(value, tuple | set | frozenset) else value
    return payload


def _decisions(compiled: Compiled, fired: list[tuple[str, str]], refs: dict[str, Any]) -> list[Decision]:
    order = {key: n for n, key in enumerate(refs)}
    decisions = []
    for run_name, key in sorted(fired, key=lambda f: (order.get(f[1], 0), int(f[0].rsplit("/", 1)[1]))):
        rule = compiled.ruleset.rules[int(run_name.rsplit("/", 1)[1])]
        texts = compiled.texts.get(rule.name, {})
        for action in rule.actions:
            shown = {prop: dict(by_language) for prop, by_language in texts.items() if prop in action.params}
            if "about" in texts:
                shown["about"] = dict(texts["about"])
            decisions.append(
                Decision(
                    refs.get(key),
                    rule.name,
                    rule.about,
                    rule.condition_text.strip(),
                    action.name,
                    dict(action.params),
                    shown,
                )
            )
    return decisions


EVALUATOR = _Evaluator()
