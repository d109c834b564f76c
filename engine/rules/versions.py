"""Rule sets in force: shipped files under rules/, and the versions admins saved.

The version in force is the highest saved version of a rule set, or the file
shipped under ``rules/`` while none is saved. Every evaluation asks the
database which version is in force (one indexed query), so a save is in force
in every web and worker process at once, without a restart; compiled rule sets
are cached per version.
"""

import difflib
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from .. import audit, clock
from ..conf import setting
from ..errors import Conflict, DeploymentRefused, InvalidData, NotFound, Problem
from ..models import RuleSetVersion
from . import catalog, check, recorded
from .host import EVALUATOR, Compiled, Decision, compile_ruleset
from .language import RuleSet, RuleSyntaxError, parse


class RulesRefused(DeploymentRefused):
    """A rule file that cannot be accepted: one Problem (file, line, reason) each."""


_compiled: dict[tuple, Compiled] = {}
_lock = threading.Lock()


def rules_dir() -> Path:
    return Path(setting("RULES_DIR"))


def check_text(text: str, file: str = "(text)") -> RuleSet:
    """The parsed rule set, or RulesRefused listing every problem with its line."""
    try:
        ruleset = parse(text)
    except RuleSyntaxError as err:
        raise RulesRefused([Problem(file, f"line {err.line}", err.reason)]) from err
    found = check.problems(ruleset)
    if found:
        raise RulesRefused([Problem(file, f"line {line}", reason) for line, reason in sorted(found)])
    return ruleset


def shipped() -> dict[str, Path]:
    """Rule set name -> shipped file (the file's name is the rule set's name)."""
    return {path.stem: path for path in sorted(rules_dir().glob("*.rules"))}


def _in_force_source(name: str) -> tuple[tuple, str, int | None]:
    row = RuleSetVersion.objects.filter(name=name).order_by("-version").values_list("id", "version", "saved_at").first()
    if row is not None:
        return ("db", row[0], row[2]), "", row[1]
    path = shipped().get(name)
    if path is None:
        raise NotFound(f"no rule set {name!r} (shipped: {', '.join(shipped()) or 'none'})")
    return ("file", str(path), path.stat().st_mtime_ns), str(path), None


def in_force(name: str) -> Compiled:
    return in_force_with_version(name)[0]


def in_force_with_version(name: str) -> tuple[Compiled, int | None]:
    """The compiled rule set in force and its saved version (None for the shipped file)."""
    key, path, version = _in_force_source(name)
    found = _compiled.get(key)
    if found is not None:
        return found, version
    if key[0] == "db":
        text = RuleSetVersion.objects.values_list("text", flat=True).get(pk=key[1])
        file = f"{name} (saved)"
    else:
        text = Path(path).read_text(encoding="utf-8")
        file = path
    ruleset = check_text(text, file)
    if ruleset.name != name:
        raise RulesRefused(
            [
                Problem(
                    file,
                    f"line {ruleset.lines['ruleset']}",
                    f"the file says `ruleset {ruleset.name}`; it is stored as {name}",
                )
            ]
        )
    compiled = compile_ruleset(ruleset, text)
    with _lock:
        _compiled[key] = compiled
    return compiled, version


def in_force_text(name: str) -> tuple[str, int | None]:
    """The text in force and its saved version (None for the shipped file)."""
    key, path, version = _in_force_source(name)
    if key[0] == "db":
        return RuleSetVersion.objects.values_list("text", flat=True).get(pk=key[1]), version
    return Path(path).read_text(encoding="utf-8"), None


def save(text: str, *, user: Any, comment: str, file: str = "(text)") -> RuleSetVersion:
    """Validate and store ``text`` as the next version of its rule set; in force at once."""
    if not comment or not comment.strip():
        raise InvalidData({"comment": ["say what the change is for"]})
    ruleset = check_text(text, file)
    try:
        current, current_version = in_force_text(ruleset.name)
    except NotFound:
        current, current_version = "", None
    if current == text:
        raise Conflict(f"rule set {ruleset.name} in force already has this text; nothing saved")
    label = f"v{current_version}" if current_version else "shipped"
    try:
        with transaction.atomic():
            top = RuleSetVersion.objects.filter(name=ruleset.name).aggregate(v=Max("version"))["v"] or 0
            diff = "".join(
                difflib.unified_diff(
                    current.splitlines(True),
                    text.splitlines(True),
                    f"{ruleset.name} {label}",
                    f"{ruleset.name} v{top + 1}",
                )
            )
            saved = RuleSetVersion.objects.create(
                name=ruleset.name,
                version=top + 1,
                text=text,
                comment=comment.strip(),
                diff=diff,
                author=user,
                saved_at=clock.now(),
            )
            audit.record(
                "rules_saved",
                actor=user,
                data={"ruleset": ruleset.name, "version": saved.version, "comment": saved.comment},
            )
    except IntegrityError as err:
        raise Conflict(f"someone saved {ruleset.name} at the same time; reload and try again") from err
    return saved


def history(name: str) -> list[dict[str, Any]]:
    rows = RuleSetVersion.objects.filter(name=name).select_related("author").order_by("-version")
    return [
        {
            "version": r.version,
            "saved_at": r.saved_at.isoformat(),
            "author": r.author.get_username() if r.author else None,
            "comment": r.comment,
            "diff": r.diff,
        }
        for r in rows
    ]


def export(directory: Path) -> list[Path]:
    """Write every rule set in force to ``directory`` as NAME.rules."""
    directory.mkdir(parents=True, exist_ok=True)
    names = set(shipped()) | set(RuleSetVersion.objects.values_list("name", flat=True).distinct())
    written = []
    for name in sorted(names):
        text, _version = in_force_text(name)
        target = directory / f"{name}.rules"
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def evaluate(
    name: str,
    facts: list[dict[str, Any]],
    *,
    at: datetime | None = None,
    record: bool = True,
    seen: list[dict[str, Any]] | None = None,
) -> list[Decision]:
    """What the rule set in force decides for each fact (nothing is applied here).

    The facts are recorded for replays (engine.rules.replay), with ``seen``: facts the
    caller read but did not need evaluated today (the reclaim sweep's prospects below its
    candidate window), so that an edit that reaches them can be replayed. ``at`` is the
    caller's time (a sweep's ``now``).
    """
    compiled, version = in_force_with_version(name)
    decisions = _evaluate(compiled, facts)
    if record:
        rows = facts if isinstance(facts, list) else [facts]
        recorded.record(name, rows + list(seen or ()), version=version, at=at)
    return decisions


def facts_of(name: str, reference: str) -> list[dict[str, Any]]:
    """The facts a real record gives the rule set ``name`` (e.g. a customer's id for pool_reclaim)."""
    kind = in_force(name).ruleset.facts
    builder = catalog.fact_builder(kind)
    if builder is None:
        raise NotFound(f"nothing registered reads {kind} facts from records; give --facts instead")
    facts = builder(reference)
    if not facts:
        raise NotFound(f"no {kind} found for {reference!r}")
    return facts


def dry_run(*, name: str | None = None, text: str | None = None, facts: Any) -> list[Decision]:
    """Decisions a rule set (in force, or an unsaved text) would take for the facts; changes nothing."""
    if text is not None:
        ruleset = check_text(text)
        compiled = compile_ruleset(ruleset, text)
    elif name is not None:
        compiled = in_force(name)
    else:
        raise InvalidData({"": ["name a rule set or give its text"]})
    return _evaluate(compiled, facts)


def _evaluate(compiled: Compiled, facts: Any) -> list[Decision]:
    fact_type = catalog.fact_type(compiled.ruleset.facts)
    if fact_type is None:
        raise NotFound(f"rule set {compiled.ruleset.name} reads {compiled.ruleset.facts}, which is not registered")
    rows = facts if isinstance(facts, list) else [facts]
    errors = _fact_errors(rows, fact_type)
    if errors:
        raise InvalidData(errors)
    return EVALUATOR.evaluate(compiled, rows, list(fact_type.fields))


def _fact_errors(rows: list[Any], fact_type: catalog.FactType) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for index, fact in enumerate(rows):
        if not isinstance(fact, dict):
            errors[f"[{index}]"] = [f"a {fact_type.name} must be a JSON object"]
            continue
        for field, value in fact.items():
            kind = fact_type.fields.get(field)
            if field == "id":
                continue
            if kind is None:
                errors.setdefault(f"[{index}].{field}", []).append(f"a {fact_type.name} has no field {field!r}")
            elif value is not None and not catalog.fits(kind, value):
                errors.setdefault(f"[{index}].{field}", []).append(f"must be {kind}, not {value!r}")
    return errors
