"""Every reason the rule checks give reaches a Chinese-reading admin in Chinese (portal.studio.rule_reasons),
with the names and values of the English reason; and the catalog the editor completes from."""

from pathlib import Path

import pytest
from django.utils import translation

from engine import api
from portal.studio import rule_reasons

SHIPPED = (Path(__file__).resolve().parents[2] / "rules" / "pool_reclaim.rules").read_text(encoding="utf-8")
HEAD = 'ruleset pool_reclaim\nabout "x"\nfacts prospect\n'
RULE = 'rule r\n  when stage == "prospect"\n  then keep\n'

# Texts that each break one rule of the language or of the catalog.
BROKEN = [
    HEAD + 'rule r\n  when stage == "prospect" $\n  then keep\n',
    HEAD + "rule r\n  when stage ==\n  then keep\n",
    HEAD + 'rule r\n  when stage == "a" "b"\n  then keep\n',
    HEAD + 'rule r\n  when (stage == "a"\n  then keep\n',
    HEAD + 'rule r\n  when stage in ["a"\n  then keep\n',
    HEAD + "rule r\n  when 3 == 3\n  then keep\n",
    HEAD + 'rule r\n  when stage in "a"\n  then keep\n',
    HEAD + 'rule r\n  when stage "a"\n  then keep\n',
    HEAD + "rule r\n  when days_without_contact >= later\n  then keep\n",
    HEAD + "rule r\n  when stage == ==\n  then keep\n",
    HEAD + 'rule r\n  when stage == "a"\n  then\n',
    HEAD + 'rule r\n  when stage == "a"\n  then keep "x"\n',
    HEAD + 'rule r\n  when stage == "a"\n  then keep reason="a" reason="b"\n',
    HEAD + 'rule r\n  about x\n  when stage == "a"\n  then keep\n',
    HEAD + "rule r\n  when\n  then keep\n",
    HEAD + "rule r-1\n" + RULE,
    HEAD + RULE + RULE,
    HEAD + 'rule r\n  when stage == "a"\n  when stage == "b"\n  then keep\n',
    HEAD + "rule r\n  then keep\n",
    HEAD + 'rule r\n  when stage == "a"\n',
    HEAD + RULE + "  whenever x\n",
    HEAD + "colour red\n" + RULE,
    HEAD + RULE + '  about.en ""\n',
    HEAD + 'rule r\n  about "y"\n  when stage == "a"\n  then keep\n  about.en "a"\n  about.en "b"\n',
    HEAD + 'about.en "a"\nabout.en "b"\n' + RULE,
    HEAD + "facts prospect\n" + RULE,
    "ruleset Pool\nfacts prospect\n" + RULE,
    HEAD + "match some\n" + RULE,
    HEAD + "set a = \n" + RULE,
    HEAD + "set a = 1\nset a = 2\n" + RULE,
    'about "x"\nfacts prospect\n' + RULE,
    HEAD,
    "ruleset pool_reclaim\nfacts nothing\nrule r\n  when always\n  then keep\n",
    HEAD + RULE + 'about.xx "a"\n',
    HEAD + RULE + 'reason.en "a"\n',
    'ruleset pool_reclaim\nfacts prospect\nabout.en "a"\n' + RULE,
    HEAD + RULE + 'q:about.en "a"\n',
    HEAD + RULE + '  about.en "a"\n',
    HEAD + RULE + '  reason.en "a"\n',
    HEAD + 'rule r\n  when always\n  then warn_owner days_left=5\n  days_left.en "5"\n',
    HEAD + 'rule r\n  when always\n  then keep reason="a"\n  then keep reason="b"\n  reason.en "c"\n',
    HEAD + 'rule r\n  when colour == "red"\n  then keep\n',
    HEAD + "rule r\n  when stage >= 3\n  then keep\n",
    HEAD + 'rule r\n  when stage has "a"\n  then keep\n',
    HEAD + 'rule r\n  when tags == "a"\n  then keep\n',
    HEAD + 'rule r\n  when stage in ["a", 3]\n  then keep\n',
    HEAD + "rule r\n  when stage == 3\n  then keep\n",
    HEAD + "rule r\n  when always\n  then explode\n",
    HEAD + 'rule r\n  when always\n  then route_to store="a"\n',
    HEAD + 'rule r\n  when always\n  then keep colour="red"\n',
    HEAD + 'rule r\n  when always\n  then warn_owner days_left="5"\n',
    HEAD + "rule r\n  when always\n  then warn_owner\n",
]


def reasons() -> list[str]:
    found = []
    for text in BROKEN:
        try:
            api.check_rules(text)
        except api.RulesRefused as refused:
            found += [p.reason for p in refused.problems]
        else:
            pytest.fail(f"accepted:\n{text}")
    return found


def test_every_reason_the_checks_give_is_shown_in_chinese(db):
    english = reasons()
    assert len(set(english)) >= 45
    with translation.override("zh-hans"):
        untranslated = [r for r in english if rule_reasons.reason(r) == r]
    assert untranslated == []


def test_a_reason_keeps_its_names_and_values_and_its_type_is_translated(db):
    with translation.override("zh-hans"):
        said = rule_reasons.reason("parameter 'days_left' of 'warn_owner' must be whole, not '5'")
    assert said == "warn_owner".join(["'", "' 的参数 'days_left' 必须是整数，不能是 '5'"])
    with translation.override("en"):
        assert rule_reasons.reason("unknown action 'explode'") == "unknown action 'explode'"
        assert rule_reasons.fact_place("[1].days") == "fact 2, days"


def test_the_catalog_gives_fields_actions_and_their_parameters(db):
    catalog = api.rules_catalog()
    assert catalog["facts"]["prospect"]["fields"]["days_without_contact"] == "whole"
    warn = catalog["actions"]["warn_owner"]
    assert warn["facts"] == ["prospect"]
    assert warn["params"]["days_left"] == {"type": "whole", "required": True, "shown": False, "description": ""}
    assert catalog["actions"]["return_to_pool"]["params"]["reason"]["shown"] is True
