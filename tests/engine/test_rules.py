"""Rule files: parsed, checked against the catalog, evaluated by durable_rules, versioned."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from engine import translations
from engine.errors import Conflict, InvalidData
from engine.models import RuleSetVersion
from engine.rules import catalog, check, versions
from engine.rules.versions import RulesRefused

RULES = Path(__file__).parent / "rules"
VISITS = (RULES / "visits.rules").read_text()

catalog.register_fact_type(
    "visit",
    {
        "called": "flag",
        "days_since_visit": "whole",
        "tags": "list",
        "budget": "number",
        "source": "text",
        "owner": "text",
    },
)
catalog.register_action(
    "notify_owner", {"message": catalog.Param("text", shown=True), "priority": catalog.Param("whole", required=False)}
)
catalog.register_action("set_priority", {"priority": catalog.Param("whole")}, fact_types=("visit",))


@pytest.fixture(autouse=True)
def _test_rules_dir(settings):
    settings.LOTFLOW = {**settings.LOTFLOW, "RULES_DIR": RULES}


def _actions(decisions):
    return [(d.fact, d.rule, d.action, d.params) for d in decisions]


def test_every_matching_rule_acts_in_file_order(db):
    decisions = versions.evaluate(
        "visits",
        [
            {"id": 1, "called": False, "days_since_visit": 20, "tags": ["vip"], "budget": 350000.0, "owner": "li"},
            {"id": 2, "called": True, "days_since_visit": 30, "tags": [], "budget": 100000, "owner": "li"},
        ],
    )
    assert _actions(decisions) == [
        (1, "cold_visit", "notify_owner", {"message": "call them today", "priority": 1}),
        (1, "vip_visit", "notify_owner", {"message": "a VIP visited"}),
        (1, "vip_visit", "set_priority", {"priority": 1}),
    ]
    assert decisions[0].about == "Nobody called after the visit"
    assert "days_since_visit >= cold_after_days" in decisions[0].condition


def test_always_is_the_catch_all_of_a_first_match_rule_set(db):
    catch_all = "\nrule anything_else\n  when always\n  then set_priority priority=5\n"
    text = VISITS.replace("match all", "match first") + catch_all
    decisions = versions.dry_run(text=text, facts={"id": 6, "called": True, "days_since_visit": 0, "owner": "li"})
    assert [(d.rule, d.params) for d in decisions] == [("anything_else", {"priority": 5})]


def test_a_fact_no_rule_matches_is_no_action(db):
    assert versions.evaluate("visits", {"id": 3, "called": True, "days_since_visit": 1, "owner": "li"}) == []


def test_a_field_without_value_is_tested_with_none(db):
    decisions = versions.evaluate("visits", {"id": 4, "called": True, "days_since_visit": 1, "owner": None})
    assert _actions(decisions) == [(4, "unowned_visit", "notify_owner", {"message": "no owner"})]


def test_match_first_takes_only_the_first_matching_rule(db):
    text = VISITS.replace("match all", "match first")
    decisions = versions.dry_run(
        text=text, facts={"id": 5, "called": False, "days_since_visit": 20, "tags": ["vip"], "budget": 400000}
    )
    assert [d.rule for d in decisions] == ["cold_visit"]


@pytest.mark.parametrize(
    "change, line, reason",
    [
        (("rule cold_visit", "rul cold_visit"), 8, "unknown keyword 'rul'"),
        (("days_since_visit >=", "days_since_vist >="), 11, "a visit has no field 'days_since_vist'"),
        (("then set_priority", "then set_priorty"), 17, "unknown action 'set_priorty'"),
        (
            ("priority=1\n\nrule vip", 'priority="high"\n\nrule vip'),
            12,
            "parameter 'priority' of 'notify_owner' must be whole",
        ),
        (('notify_owner message="no owner"', "notify_owner"), 21, "needs parameter 'message'"),
        (("budget >= 300000", "source >= 300000"), 15, ">= compares numbers"),
        (("cold_after_days\n", "cold_after_dys\n"), 11, "unknown name 'cold_after_dys'"),
        (("(budget >= 300000 or", "(budget >= 300000 or)"), 15, "expected a fact field"),
        (("facts visit", "facts visitor"), 4, "unknown kind of fact 'visitor'"),
    ],
)
def test_a_bad_file_is_refused_with_the_line_and_the_reason(db, change, line, reason):
    with pytest.raises(RulesRefused) as refused:
        versions.check_text(VISITS.replace(*change), "visits.rules")
    problem = refused.value.problems[0]
    assert (problem.file, problem.element) == ("visits.rules", f"line {line}")
    assert reason in problem.reason


def test_facts_with_unknown_fields_or_wrong_types_are_refused(db):
    with pytest.raises(InvalidData) as refused:
        versions.evaluate("visits", [{"id": 1, "called": "no", "colour": "red"}])
    assert set(refused.value.errors) == {"[0].called", "[0].colour"}


def test_a_saved_version_is_in_force_at_once_and_keeps_its_history(db, people):
    stricter = VISITS.replace("set cold_after_days = 14", "set cold_after_days = 7")
    fact = {"id": 9, "called": False, "days_since_visit": 10, "owner": "li"}
    assert versions.evaluate("visits", fact) == []

    saved = versions.save(stricter, user=people["admin"], comment="call back within a week")

    assert saved.version == 1
    assert [d.rule for d in versions.evaluate("visits", fact)] == ["cold_visit"]
    [entry] = versions.history("visits")
    assert (entry["author"], entry["comment"]) == ("admin", "call back within a week")
    assert "-set cold_after_days = 14" in entry["diff"] and "+set cold_after_days = 7" in entry["diff"]


def test_a_refused_edit_leaves_the_version_in_force(db, people):
    versions.save(VISITS.replace("= 14", "= 7"), user=people["admin"], comment="a week")
    with pytest.raises(RulesRefused):
        versions.save(VISITS.replace("then notify_owner", "then notfy_owner"), user=people["admin"], comment="x")
    with pytest.raises(Conflict):
        versions.save(VISITS.replace("= 14", "= 7"), user=people["admin"], comment="same again")
    assert list(RuleSetVersion.objects.values_list("version", flat=True)) == [1]
    assert "set cold_after_days = 7" in versions.in_force_text("visits")[0]


def test_a_dry_run_of_an_unsaved_text_changes_nothing(db):
    versions.dry_run(text=VISITS.replace("= 14", "= 1"), facts={"id": 1, "called": False, "days_since_visit": 2})
    assert not RuleSetVersion.objects.exists()


def test_rule_commands_check_save_dry_run_history_and_export(db, people, tmp_path, capsys):
    edited = tmp_path / "visits.rules"
    edited.write_text(VISITS.replace("= 14", "= 3"))
    call_command("rules", "check", str(edited))
    call_command("rules", "save", str(edited), "--user", "admin", "--comment", "faster follow-up")
    call_command("rules", "dryrun", "visits", "--facts", '{"id": 1, "called": false, "days_since_visit": 4}')
    call_command("rules", "history", "visits")
    call_command("rules", "export", str(tmp_path / "out"))
    out = capsys.readouterr().out
    assert "visits 1" in out and '"rule": "cold_visit"' in out and "faster follow-up" in out
    assert (tmp_path / "out" / "visits.rules").read_text() == edited.read_text()


def test_rule_commands_refuse_bad_input_with_exit_codes(db, people, tmp_path, capsys):
    broken = tmp_path / "visits.rules"
    broken.write_text(VISITS.replace("then notify_owner", "then notfy_owner"))
    with pytest.raises(CommandError) as refused:
        call_command("rules", "save", str(broken), "--user", "admin", "--comment", "typo")
    assert refused.value.returncode == 1
    assert "line 12: unknown action 'notfy_owner'" in capsys.readouterr().err
    with pytest.raises(CommandError) as junk:
        call_command("rules", "dryrun", "visits", "--facts", "{not json")
    assert junk.value.returncode == 1
    with pytest.raises(CommandError) as missing:
        call_command("rules", "dryrun", "no_such_rules", "--facts", "{}")
    assert missing.value.returncode == 3


def test_chinese_and_escaped_text_in_a_rule_file_is_read_as_written(db):
    chinese = (
        '\nrule south_china\n  about "华南的客户：先打电话"\n  when source == "华南" and owner == "李\\"伟\\""\n'
        '  then notify_owner message="今天联系 \\\\ 不要等"\n'
    )
    decisions = versions.dry_run(
        text=VISITS + chinese,
        facts={"id": 8, "called": True, "days_since_visit": 0, "source": "华南", "owner": '李"伟"'},
    )
    assert [(d.rule, d.about, d.params) for d in decisions] == [
        ("south_china", "华南的客户：先打电话", {"message": "今天联系 \\ 不要等"})
    ]


TRANSLATED = VISITS.replace(
    'about "Follow up on showroom visits"\n',
    'about "Follow up on showroom visits"\nabout.zh-Hans "到店客户的跟进"\n'
    'vip_visit:message.zh-Hans "VIP 客户到店了"\n',
).replace(
    'message="call them today" priority=1\n',
    'message="call them today" priority=1\n  about.zh-Hans "到店后没人打电话"  # 译文\n  message.zh-Hans "今天就打"\n',
)


def test_a_rule_file_carries_its_translations_to_each_decision(db):
    decisions = versions.dry_run(
        text=TRANSLATED, facts={"id": 1, "called": False, "days_since_visit": 20, "tags": ["vip"], "budget": 500000}
    )
    cold, vip_note = decisions[0], decisions[1]
    shown = [translations.render(cold.text(), "", lang) for lang in ("zh-hans", "en")]
    assert shown == ["到店后没人打电话", "Nobody called after the visit"]
    assert translations.render(cold.text("message"), "", "zh-hans") == "今天就打"
    assert translations.render(vip_note.text("message"), "", "zh-hans") == "VIP 客户到店了"
    assert translations.render(vip_note.text("message"), "", "en") == "a VIP visited"
    assert check.texts(versions.check_text(TRANSLATED))[""] == {"about": {"zh-hans": "到店客户的跟进"}}


@pytest.mark.parametrize(
    "change, line, reason",
    [
        (('about.zh-Hans "到店后', 'about.fr "到店后'), 15, "about.fr: unknown language 'fr'"),
        (("vip_visit:message", "vip_vist:message"), 5, "there is no rule 'vip_vist' in this file"),
        (("  message.zh-Hans", "  note.zh-Hans"), 16, "no action of rule 'cold_visit' has a parameter 'note'"),
        (("  message.zh-Hans", "  priority.zh-Hans"), 16, "'priority' of 'notify_owner' is a value the rules use"),
        (("vip_visit:message", "vip_visit:about"), 5, "rule 'vip_visit' has no about to translate"),
        (("vip_visit:message", "message"), 5, "only the rule set's about is translated in the header"),
        (('"今天就打"', '"  "'), 16, "the translation is empty"),
        (('"今天就打"\n', '"今天就打"\n  message.zh-hans "再说一次"\n'), 17, "is translated twice"),
    ],
)
def test_a_translation_of_nothing_is_refused_with_its_line(db, change, line, reason):
    assert change[0] in TRANSLATED
    with pytest.raises(RulesRefused) as refused:
        versions.check_text(TRANSLATED.replace(*change), "visits.rules")
    problem = refused.value.problems[0]
    assert (problem.file, problem.element) == ("visits.rules", f"line {line}")
    assert reason in problem.reason


def test_a_refused_translation_leaves_the_version_in_force(db, people):
    with pytest.raises(RulesRefused):
        versions.save(TRANSLATED.replace("vip_visit:message", "vip_vist:message"), user=people["admin"], comment="zh")
    assert not RuleSetVersion.objects.exists()
    assert versions.in_force("visits").ruleset.translations == []
