"""The rule file language: a small, line-oriented text an admin can read and edit.

    ruleset pool_reclaim
    about "Prospects nobody contacts go back to the shared pool"
    facts prospect
    match first
    set reclaim_after_days = 30

    rule reclaim
      about "No recorded contact for 30 days"
      when stage == "prospect" and owner != none
       and days_without_contact >= reclaim_after_days
      then return_to_pool reason="no contact for 30 days"
      about.zh-Hans "30 天没有联系记录"
      reason.zh-Hans "30 天未联系"

Conditions: ``field OP value`` with OP one of == != < <= > >=, ``field in [v, ...]``,
``field has value`` (a list field contains it), joined by ``and`` / ``or`` with
parentheses; ``when always`` matches every fact. Values: numbers, "strings", true, false, none, or a name given by
``set``. Every error names its line.

Translations travel in the file: ``PROP.LANG "text"`` translates the rule set's
``about`` (in the header) or, inside a rule, the rule's ``about`` or a text
parameter of its actions; ``RULE:PROP.LANG "text"`` names the rule, for a
translator who keeps them in one place. The parser only collects them;
``check`` refuses those that translate nothing (docs/rules.md).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import EngineError


class RuleSyntaxError(EngineError):
    def __init__(self, line: int, reason: str):
        self.line, self.reason = line, reason
        super().__init__(f"line {line}: {reason}")


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # == != < <= > >= in has
    value: Any
    line: int
    constant: str = ""  # the `set` name the value came from, if any


@dataclass(frozen=True)
class Junction:
    op: str  # and / or
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Action:
    name: str
    params: dict[str, Any]
    line: int


@dataclass(frozen=True)
class Translation:
    """``about.zh-Hans "..."``: the text of ``prop`` (about, or an action parameter) of ``rule``
    ("" for the rule set) in language ``language`` (as written; check() resolves it)."""

    rule: str
    prop: str
    language: str
    text: str
    line: int


@dataclass
class Rule:
    name: str
    line: int
    about: str = ""
    condition: Any = None
    condition_text: str = ""
    actions: list[Action] = field(default_factory=list)


@dataclass
class RuleSet:
    name: str = ""
    about: str = ""
    facts: str = ""
    match: str = "all"
    constants: dict[str, Any] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # header keyword -> line
    translations: list[Translation] = field(default_factory=list)


_TOKEN = re.compile(
    r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|<=|>=|<|>|=)
    | (?P<punct>[()\[\],])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_LITERALS = {"true": True, "false": False, "none": None}
_TRANSLATION = re.compile(
    r"^(?:(?P<rule>[A-Za-z_][A-Za-z0-9_]*):)?(?P<prop>[A-Za-z_][A-Za-z0-9_]*)\.(?P<lang>[A-Za-z0-9_-]+)$"
)
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ALWAYS = "__always"  # the field behind `when always`: every fact has it, set to true


def _unquote(literal: str) -> str:
    """The text of a "string" literal. A backslash keeps the character after it (a quote, a backslash),
    except n and t (a new line, a tab); every other character, Chinese included, stands for itself
    (not unicode_escape, which reads the UTF-8 bytes of 华东 as Latin-1)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal[1:-1])


def _tokens(text: str, line: int) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise RuleSyntaxError(line, f"cannot read {text[pos:].strip()[:20]!r}")
        pos = match.end()
        kind = match.lastgroup or ""
        raw = match.group(kind)
        if kind == "string":
            found.append(("value", _unquote(raw)))
        elif kind == "number":
            found.append(("value", float(raw) if "." in raw else int(raw)))
        elif kind == "name" and raw in _LITERALS:
            found.append(("value", _LITERALS[raw]))
        else:
            found.append((kind, raw))
    return found


class _Condition:
    """Recursive descent over one condition's tokens (each token knows its line)."""

    def __init__(self, tokens: list[tuple[str, Any, int]], constants: dict[str, Any]):
        self.tokens, self.pos, self.constants = tokens, 0, constants

    def peek(self) -> tuple[str, Any, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any, int]:
        token = self.peek()
        if token is None:
            last = self.tokens[-1][2] if self.tokens else 0
            raise RuleSyntaxError(last, "the condition ends too early")
        self.pos += 1
        return token

    def parse(self) -> Any:
        node = self.either()
        extra = self.peek()
        if extra is not None:
            raise RuleSyntaxError(extra[2], f"unexpected {extra[1]!r} in the condition")
        return node

    def either(self) -> Any:
        parts = [self.both()]
        while (token := self.peek()) and token[:2] == ("name", "or"):
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def both(self) -> Any:
        parts = [self.single()]
        while (token := self.peek()) and token[:2] == ("name", "and"):
            self.take()
            parts.append(self.single())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def single(self) -> Any:
        kind, raw, line = self.take()
        if (kind, raw) == ("punct", "("):
            node = self.either()
            closing = self.take()
            if closing[:2] != ("punct", ")"):
                raise RuleSyntaxError(closing[2], "a '(' is not closed")
            return node
        if kind != "name":
            raise RuleSyntaxError(line, f"expected a fact field, found {raw!r}")
        if raw == "always":  # a catch-all rule (last in a `match first` file)
            return Compare(ALWAYS, "==", True, line)
        op_kind, op, op_line = self.take()
        if op_kind == "op" and op in COMPARISONS:
            value, constant = self.value()
            return Compare(raw, op, value, line, constant)
        if (op_kind, op) == ("name", "in"):
            opening = self.take()
            if opening[:2] != ("punct", "["):
                raise RuleSyntaxError(opening[2], '\'in\' needs a list: in ["a", "b"]')
            values = [self.value()[0]]
            while (token := self.take())[:2] == ("punct", ","):
                values.append(self.value()[0])
            if token[:2] != ("punct", "]"):
                raise RuleSyntaxError(token[2], "a '[' is not closed")
            return Compare(raw, "in", tuple(values), line)
        if (op_kind, op) == ("name", "has"):
            value, constant = self.value()
            return Compare(raw, "has", value, line, constant)
        raise RuleSyntaxError(op_line, f"expected a comparison (== != < <= > >= in has) after {raw!r}, found {op!r}")

    def value(self) -> tuple[Any, str]:
        kind, raw, line = self.take()
        if kind == "value":
            return raw, ""
        if kind == "name":
            if raw not in self.constants:
                raise RuleSyntaxError(line, f"unknown name {raw!r}: give it a value with `set {raw} = ...`")
            return self.constants[raw], raw
        raise RuleSyntaxError(line, f"expected a value, found {raw!r}")


def _action(text: str, line: int) -> Action:
    tokens = _tokens(text, line)
    if not tokens or tokens[0][0] != "name":
        raise RuleSyntaxError(line, "`then` needs an action name")
    params: dict[str, Any] = {}
    rest = tokens[1:]
    while rest:
        if len(rest) < 3 or rest[0][0] != "name" or rest[1] != ("op", "=") or rest[2][0] != "value":
            raise RuleSyntaxError(line, "action parameters are written name=value (strings in double quotes)")
        if rest[0][1] in params:
            raise RuleSyntaxError(line, f"parameter {rest[0][1]!r} is given twice")
        params[rest[0][1]] = rest[2][1]
        rest = rest[3:]
    return Action(tokens[0][1], params, line)


def _quoted(text: str, line: int, what: str) -> str:
    tokens = _tokens(text, line)
    if len(tokens) != 1 or tokens[0][0] != "value" or not isinstance(tokens[0][1], str):
        raise RuleSyntaxError(line, f'{what} takes one "quoted text"')
    return tokens[0][1]


def parse(text: str) -> RuleSet:
    """Parse a rule file, or raise RuleSyntaxError naming the line."""
    ruleset = RuleSet()
    rule: Rule | None = None
    condition: list[tuple[str, Any, int]] | None = None

    def finish_condition() -> None:
        nonlocal condition
        if rule is not None and condition is not None:
            if not condition:
                raise RuleSyntaxError(rule.line, f"rule {rule.name!r} has an empty `when`")
            rule.condition = _Condition(condition, ruleset.constants).parse()
        condition = None

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = _strip_comment(raw)
        if not stripped:
            continue
        keyword, _, rest = stripped.partition(" ")
        rest = rest.strip()
        translated = _TRANSLATION.match(keyword)
        if translated is not None:
            finish_condition()
            _translation(ruleset, rule, translated, rest, number)
            continue
        if condition is not None and rule is not None and keyword not in ("rule", "when", "then", "about"):
            # A `when` goes on over the following lines until the rule's next keyword.
            condition.extend((k, v, number) for k, v in _tokens(stripped, number))
            rule.condition_text += " " + stripped
            continue
        finish_condition()
        if keyword == "rule":
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rest):
                raise RuleSyntaxError(number, "a rule needs a name of letters, digits and _")
            if any(r.name == rest for r in ruleset.rules):
                raise RuleSyntaxError(number, f"rule {rest!r} is defined twice")
            rule = Rule(rest, number)
            ruleset.rules.append(rule)
        elif keyword in ("when", "then", "about") and rule is not None:
            if keyword == "when":
                if rule.condition is not None:
                    raise RuleSyntaxError(number, f"rule {rule.name!r} has two `when` lines")
                condition = [(k, v, number) for k, v in _tokens(rest, number)]
                rule.condition_text = rest
            elif keyword == "then":
                rule.actions.append(_action(rest, number))
            else:
                rule.about = _quoted(rest, number, "about")
        elif rule is None and keyword in ("ruleset", "facts", "match", "about", "set"):
            _header(ruleset, keyword, rest, number)
        else:
            where = "inside a rule" if rule is not None else "before the first rule"
            raise RuleSyntaxError(number, f"unknown keyword {keyword!r} {where}")
    finish_condition()
    _complete(ruleset)
    return ruleset


def _translation(ruleset: RuleSet, rule: Rule | None, key: re.Match, rest: str, number: int) -> None:
    owner = key["rule"] if key["rule"] is not None else (rule.name if rule is not None else "")
    text = _quoted(rest, number, key.group(0)).strip()
    if not text:
        raise RuleSyntaxError(number, f"{key.group(0)}: the translation is empty")
    wanted = (owner, key["prop"], key["lang"].lower().replace("_", "-"))
    if any((t.rule, t.prop, t.language.lower().replace("_", "-")) == wanted for t in ruleset.translations):
        raise RuleSyntaxError(number, f"{key.group(0)} is translated twice" + (f" for rule {owner!r}" if owner else ""))
    ruleset.translations.append(Translation(owner, key["prop"], key["lang"], text, number))


def _strip_comment(raw: str) -> str:
    """Drop a # comment that is not inside a string."""
    in_string = False
    for index, char in enumerate(raw):
        if char == '"' and (index == 0 or raw[index - 1] != "\\"):
            in_string = not in_string
        elif char == "#" and not in_string:
            return raw[:index].strip()
    return raw.strip()


def _header(ruleset: RuleSet, keyword: str, rest: str, number: int) -> None:
    if keyword in ruleset.lines and keyword != "set":
        raise RuleSyntaxError(number, f"`{keyword}` is given twice")
    ruleset.lines.setdefault(keyword, number)
    if keyword in ("ruleset", "facts"):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", rest):
            raise RuleSyntaxError(number, f"`{keyword}` needs a name of lower-case letters, digits and _")
        setattr(ruleset, "name" if keyword == "ruleset" else "facts", rest)
    elif keyword == "match":
        if rest not in ("all", "first"):
            raise RuleSyntaxError(number, "`match` is `all` (every matching rule acts) or `first` (the first one)")
        ruleset.match = rest
    elif keyword == "about":
        ruleset.about = _quoted(rest, number, "about")
    else:
        tokens = _tokens(rest, number)
        if len(tokens) != 3 or tokens[0][0] != "name" or tokens[1] != ("op", "=") or tokens[2][0] != "value":
            raise RuleSyntaxError(number, "write `set name = value`")
        if tokens[0][1] in ruleset.constants:
            raise RuleSyntaxError(number, f"{tokens[0][1]!r} is set twice")
        ruleset.constants[tokens[0][1]] = tokens[2][1]
        ruleset.lines[f"set {tokens[0][1]}"] = number


def _complete(ruleset: RuleSet) -> None:
    for keyword in ("ruleset", "facts"):
        if keyword not in ruleset.lines:
            raise RuleSyntaxError(1, f"the file needs a `{keyword}` line")
    if not ruleset.rules:
        raise RuleSyntaxError(max(ruleset.lines.values()), "the file has no rules")
    for rule in ruleset.rules:
        if rule.condition is None:
            raise RuleSyntaxError(rule.line, f"rule {rule.name!r} has no `when`")
        if not rule.actions:
            raise RuleSyntaxError(rule.line, f"rule {rule.name!r} has no `then`")
