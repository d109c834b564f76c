"""The reasons the rule checks give (engine.rules: the same words `manage.py rules check` prints, in
English), shown to an admin in their language.

The engine words each reason once, in English, for files, logs and the command line; the studio matches
each reason against the shapes below and fills the translated shape with the same names and values. A
reason no shape matches is shown as the engine wrote it (tests/studio/test_rule_reasons.py keeps every
reason the checks give covered).
"""

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Field and parameter types (engine.rules.catalog.TYPES), as a reason names them.
TYPES = {
    "text": gettext_noop("text"),
    "number": gettext_noop("a number"),
    "whole": gettext_noop("a whole number"),
    "flag": gettext_noop("true or false"),
    "list": gettext_noop("a list"),
}

_Q = r"'[^']*'|\"[^\"]*\""  # a name or value as Python's repr quotes it
SHAPES: list[tuple[str, str]] = [
    # --- reading the file (engine/rules/language.py) ---
    (r"cannot read (?P<what>.+)", gettext_noop("cannot read %(what)s")),
    (r"the condition ends too early", gettext_noop("the condition ends too early")),
    (r"unexpected (?P<what>.+) in the condition", gettext_noop("unexpected %(what)s in the condition")),
    (r"a '\(' is not closed", gettext_noop("a '(' is not closed")),
    (r"a '\[' is not closed", gettext_noop("a '[' is not closed")),
    (r"expected a fact field, found (?P<what>.+)", gettext_noop("expected a field of the fact, found %(what)s")),
    (r"'in' needs a list: in \[\"a\", \"b\"\]", gettext_noop('`in` needs a list: in ["a", "b"]')),
    (
        r"expected a comparison \(== != < <= > >= in has\) after (?P<field>.+), found (?P<what>.+)",
        gettext_noop("expected a comparison (== != < <= > >= in has) after %(field)s, found %(what)s"),
    ),
    (
        r"unknown name (?P<name>.+): give it a value with `set (?P<bare>\w+) = \.\.\.`",
        gettext_noop("unknown name %(name)s: give it a value with `set %(bare)s = ...`"),
    ),
    (r"expected a value, found (?P<what>.+)", gettext_noop("expected a value, found %(what)s")),
    (r"`then` needs an action name", gettext_noop("`then` needs the name of an action")),
    (
        r"action parameters are written name=value \(strings in double quotes\)",
        gettext_noop("action parameters are written name=value (texts in double quotes)"),
    ),
    (rf"parameter (?P<param>{_Q}) is given twice", gettext_noop("parameter %(param)s is given twice")),
    (r"(?P<what>.+) takes one \"quoted text\"", gettext_noop('%(what)s takes one "text in double quotes"')),
    (rf"rule (?P<rule>{_Q}) has an empty `when`", gettext_noop("rule %(rule)s has an empty `when`")),
    (r"a rule needs a name of letters, digits and _", gettext_noop("a rule needs a name of letters, digits and _")),
    (rf"rule (?P<rule>{_Q}) is defined twice", gettext_noop("rule %(rule)s is defined twice")),
    (rf"rule (?P<rule>{_Q}) has two `when` lines", gettext_noop("rule %(rule)s has two `when` lines")),
    (rf"rule (?P<rule>{_Q}) has no `when`", gettext_noop("rule %(rule)s has no `when`")),
    (rf"rule (?P<rule>{_Q}) has no `then`", gettext_noop("rule %(rule)s has no `then`")),
    (rf"unknown keyword (?P<word>{_Q}) inside a rule", gettext_noop("unknown keyword %(word)s inside a rule")),
    (
        rf"unknown keyword (?P<word>{_Q}) before the first rule",
        gettext_noop("unknown keyword %(word)s before the first rule"),
    ),
    (r"(?P<key>\S+): the translation is empty", gettext_noop("%(key)s: the translation is empty")),
    (
        rf"(?P<key>\S+) is translated twice for rule (?P<rule>{_Q})",
        gettext_noop("%(key)s is translated twice for rule %(rule)s"),
    ),
    (r"(?P<key>\S+) is translated twice", gettext_noop("%(key)s is translated twice")),
    (r"`(?P<keyword>\w+)` is given twice", gettext_noop("`%(keyword)s` is given twice")),
    (
        r"`(?P<keyword>\w+)` needs a name of lower-case letters, digits and _",
        gettext_noop("`%(keyword)s` needs a name of lower-case letters, digits and _"),
    ),
    (
        r"`match` is `all` \(every matching rule acts\) or `first` \(the first one\)",
        gettext_noop("`match` is `all` (every matching rule acts) or `first` (only the first one)"),
    ),
    (r"write `set name = value`", gettext_noop("write `set name = value`")),
    (rf"(?P<name>{_Q}) is set twice", gettext_noop("%(name)s is set twice")),
    (r"the file needs a `(?P<keyword>\w+)` line", gettext_noop("the file needs a `%(keyword)s` line")),
    (r"the file has no rules", gettext_noop("the file has no rules")),
    # --- checking it against the catalog (engine/rules/check.py) ---
    (rf"unknown kind of fact (?P<kind>{_Q})", gettext_noop("unknown kind of fact %(kind)s")),
    (
        r"(?P<key>\S+): unknown language (?P<language>.+) \(use (?P<codes>.+)\)",
        gettext_noop("%(key)s: unknown language %(language)s (use %(codes)s)"),
    ),
    (
        r"(?P<key>\S+): only the rule set's about is translated in the header",
        gettext_noop("%(key)s: in the header, only the rule set's about is translated"),
    ),
    (
        r"(?P<key>\S+): the rule set has no about to translate",
        gettext_noop("%(key)s: the rule set has no about to translate"),
    ),
    (
        rf"(?P<key>\S+): there is no rule (?P<rule>{_Q}) in this file",
        gettext_noop("%(key)s: there is no rule %(rule)s in this file"),
    ),
    (
        rf"(?P<key>\S+): rule (?P<rule>{_Q}) has no about to translate",
        gettext_noop("%(key)s: rule %(rule)s has no about to translate"),
    ),
    (
        rf"(?P<key>\S+): no action of rule (?P<rule>{_Q}) has a parameter (?P<param>{_Q}) to translate",
        gettext_noop("%(key)s: no action of rule %(rule)s has a parameter %(param)s to translate"),
    ),
    (
        (
            rf"(?P<key>\S+): parameter (?P<param>{_Q}) of (?P<action>{_Q}) "
            r"is a value the rules use, not a text people read"
        ),
        gettext_noop("%(key)s: parameter %(param)s of %(action)s is a value the rules use, not a text people read"),
    ),
    (
        (
            rf"(?P<key>\S+): the actions of rule (?P<rule>{_Q}) give (?P<param>{_Q}) "
            r"different texts; translate one per rule"
        ),
        gettext_noop("%(key)s: the actions of rule %(rule)s give %(param)s different texts; translate one per rule"),
    ),
    (
        rf"a (?P<kind>\w+) has no field (?P<field>{_Q}) \(fields: (?P<known>.+)\)",
        gettext_noop("a %(kind)s has no field %(field)s (its fields: %(known)s)"),
    ),
    (rf"a (?P<kind>\w+) has no field (?P<field>{_Q})", gettext_noop("a %(kind)s has no field %(field)s")),
    (
        r"(?P<op>\S+) compares numbers: (?P<field>\w+) is (?P<type>\w+), the value is (?P<value>.+)",
        gettext_noop("%(op)s compares numbers: %(field)s is %(type)s, the value is %(value)s"),
    ),
    (
        r"`has` looks inside a list; (?P<field>\w+) is (?P<type>\w+) \(use ==\)",
        gettext_noop("`has` looks inside a list; %(field)s is %(type)s (use ==)"),
    ),
    (
        r"(?P<field>\w+) is a list: use `(?P=field) has value`",
        gettext_noop("%(field)s is a list: write `%(field)s has value`"),
    ),
    (
        r"(?P<field>\w+) is (?P<type>\w+); (?P<value>.+) cannot match it",
        gettext_noop("%(field)s is %(type)s; %(value)s cannot match it"),
    ),
    (rf"unknown action (?P<action>{_Q})", gettext_noop("unknown action %(action)s")),
    (
        rf"action (?P<action>{_Q}) acts on (?P<kinds>.+), not on (?P<kind>\w+)",
        gettext_noop("action %(action)s acts on %(kinds)s, not on %(kind)s"),
    ),
    (
        rf"action (?P<action>{_Q}) has no parameter (?P<param>{_Q}) \(parameters: (?P<known>.+)\)",
        gettext_noop("action %(action)s has no parameter %(param)s (its parameters: %(known)s)"),
    ),
    (
        rf"parameter (?P<param>{_Q}) of (?P<action>{_Q}) must be (?P<type>\w+), not (?P<value>.+)",
        gettext_noop("parameter %(param)s of %(action)s must be %(type)s, not %(value)s"),
    ),
    (
        rf"action (?P<action>{_Q}) needs parameter (?P<param>{_Q}) \((?P<type>\w+)\)",
        gettext_noop("action %(action)s needs parameter %(param)s (%(type)s)"),
    ),
    # --- facts given to a dry run (engine/rules/versions.py) ---
    (r"must be (?P<type>\w+), not (?P<value>.+)", gettext_noop("must be %(type)s, not %(value)s")),
    (r"a (?P<kind>\w+) must be a JSON object", gettext_noop("a %(kind)s must be a JSON object")),
]
_COMPILED = [(re.compile(pattern + r"\Z", re.DOTALL), template) for pattern, template in SHAPES]


def _value(name: str, value: str) -> str:
    if name == "type" and value in TYPES:
        return _(TYPES[value])
    return value


def reason(text: str) -> str:
    """``text`` (a reason the rule checks gave) in the active language."""
    for pattern, template in _COMPILED:
        found = pattern.match(text)
        if found:
            values: dict[str, Any] = {k: _value(k, v) for k, v in found.groupdict().items()}
            return _(template) % values
    return text


def fact_place(where: str) -> str:
    """``[0].days`` (where a dry run's facts went wrong) as people say it."""
    found = re.fullmatch(r"\[(\d+)\](?:\.(.+))?", where)
    if found is None:
        return where
    number = int(found[1]) + 1
    if found[2]:
        return _("fact %(number)s, %(field)s") % {"number": number, "field": found[2]}
    return _("fact %(number)s") % {"number": number}
