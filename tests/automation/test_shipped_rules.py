"""Every shipped rule file loads, and its example cases (rules/NAME.cases.json) come out as written."""

import json
from pathlib import Path

import pytest

from engine.rules import check, versions

RULES = Path(__file__).resolve().parents[2] / "rules"
CASES = [
    (path.name.removesuffix(".cases.json"), case)
    for path in sorted(RULES.glob("*.cases.json"))
    for case in json.loads(path.read_text())
]


@pytest.mark.parametrize("ruleset", sorted(p.stem for p in RULES.glob("*.rules")))
def test_a_shipped_rule_file_is_valid(db, ruleset):
    assert versions.in_force(ruleset).ruleset.name == ruleset


@pytest.mark.parametrize("ruleset, case", CASES, ids=[f"{r}: {c['case']}" for r, c in CASES])
def test_an_example_case_gives_the_actions_it_promises(db, ruleset, case):
    decisions = versions.dry_run(name=ruleset, facts={"id": 1, **case["fact"]})
    assert [[d.rule, d.action, d.params] for d in decisions] == case["expect"]


@pytest.mark.parametrize("ruleset", sorted(p.stem for p in RULES.glob("*.rules")))
def test_a_shipped_rule_file_translates_every_text_people_read_into_chinese(db, ruleset):
    parsed = versions.in_force(ruleset).ruleset
    assert check.missing_translations(parsed, "zh-Hans") == []


def test_the_completeness_check_sees_a_text_without_its_translation(db):
    text = (RULES / "lead_scoring.rules").read_text(encoding="utf-8").replace('  reason.zh-Hans "VIP 客户"\n', "")
    assert check.missing_translations(versions.check_text(text), "zh-Hans") == ["vip:reason"]
