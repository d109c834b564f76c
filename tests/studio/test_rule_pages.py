"""The rule studio's pages (issue 20): who reads and who edits, the live check, the dry run, saving with
the example cases and from a version that moved, history and rollback. Bad input leaves the version in
force untouched."""

import html
import json
from pathlib import Path

import pytest
from django.urls import reverse

from engine import api
from engine.models import AuditEvent, RuleSetVersion
from portal.studio.models import RuleCases
from tests.crm.factories import CustomerFactory

RULES = Path(__file__).resolve().parents[2] / "rules"
SHIPPED = (RULES / "pool_reclaim.rules").read_text(encoding="utf-8")
TWENTY = SHIPPED.replace("set reclaim_after_days = 30", "set reclaim_after_days = 20")
NAME = "pool_reclaim"


def url(view: str, name: str = NAME) -> str:
    return reverse(f"studio:{view}", args=[name])


@pytest.fixture
def admin(client, people):
    client.force_login(people["admin"])
    return client


def save(client, text: str, base: int = 0, comment: str = "shorter period", **extra):
    if text == TWENTY:
        extra.setdefault("accept", [1])  # "silent for 26 days: warned" is reclaimed at 20 days: the admin agrees
    return client.post(url("rules_edit"), {"text": text, "comment": comment, "base_version": base, **extra})


def in_force() -> int:
    return api.rules_text(NAME)[1]


# --- who may do what ---------------------------------------------------------------


def test_hq_reads_the_rule_sets_their_history_and_text_but_edits_nothing(client, people):
    client.force_login(people["hq"])
    listing = client.get(reverse("studio:rules"))
    assert listing.status_code == 200
    assert {"pool_reclaim", "lead_routing", "inventory_thresholds"} <= {r["name"] for r in listing.context["rule_sets"]}
    assert client.get(url("rules_history")).status_code == 200
    page = client.get(url("rules_edit"))
    assert page.status_code == 200 and not page.context["editable"]
    assert b"reclaim_after_days = 30" in page.content
    for view in ("rules_edit", "rules_check", "rules_dryrun", "rules_rollback"):
        assert (
            client.post(url(view), {"text": TWENTY, "comment": "x", "base_version": 0, "version": 0}).status_code == 404
        )
    assert RuleSetVersion.objects.count() == 0


@pytest.mark.parametrize("who", ["sales", "manager", "finance"])
def test_other_staff_get_404_on_every_rule_page(client, people, who):
    client.force_login(people[who])
    assert client.get(reverse("studio:rules")).status_code == 404
    assert client.get(url("rules_edit")).status_code == 404
    assert client.post(url("rules_edit"), {"text": TWENTY, "comment": "x", "base_version": 0}).status_code == 404


def test_an_unknown_rule_set_is_404(admin):
    assert admin.get(url("rules_edit", "no_such_rules")).status_code == 404


# --- the live check ------------------------------------------------------------------


def check(client, text: str) -> list[dict]:
    response = client.post(url("rules_check"), {"text": text})
    assert response.status_code == 200
    return response.json()["problems"]


def test_the_check_accepts_the_shipped_file(admin):
    assert check(admin, SHIPPED) == []


@pytest.mark.parametrize(
    ("wrong", "right", "says"),
    [
        ("  when stage ==", "  wehn stage ==", "unknown keyword 'wehn'"),
        ("days_without_contact >= reclaim_after_days", "days_silent >= reclaim_after_days", "no field 'days_silent'"),
        ("then return_to_pool reason=", "then send_to_pool reason=", "unknown action 'send_to_pool'"),
        ("then warn_owner days_left=5", 'then warn_owner days_left="five"', "must be a whole number"),
    ],
)
def test_the_check_marks_each_mistake_at_its_line(admin, wrong, right, says):
    text = SHIPPED.replace(wrong, right, 1)
    line = text.splitlines().index(next(x for x in text.splitlines() if right in x)) + 1
    problems = check(admin, text)
    assert problems and problems[0]["line"] == line and says in problems[0]["reason"]


def test_a_2_mb_paste_is_refused_before_it_is_parsed(admin):
    problems = check(admin, SHIPPED + "#" * 2_000_000)
    assert problems[0]["line"] is None and "KB" in problems[0]["reason"]
    response = save(admin, SHIPPED.replace("= 30", "= 20") + "#" * 2_000_000)
    assert response.status_code == 400 and in_force() == 0


def test_a_file_of_another_rule_set_is_refused(admin):
    problems = check(admin, SHIPPED.replace("ruleset pool_reclaim", "ruleset other_rules"))
    assert problems[0]["line"] == 4 and "other_rules" in problems[0]["reason"]


# --- saving --------------------------------------------------------------------------


def test_a_save_needs_a_comment_and_a_clean_text(admin):
    assert save(admin, TWENTY, comment="").status_code == 400
    refused = save(admin, TWENTY.replace("then warn_owner days_left=5", "then warn_owner days_left=true", 1))
    assert refused.status_code == 400 and refused.context["problems"][0]["line"]
    assert b"days_left=true" in refused.content  # the text stays in the editor
    assert in_force() == 0


def test_a_save_is_in_force_at_once_and_audited(admin, people):
    response = save(admin, TWENTY)
    assert response.status_code == 302
    assert api.rules_constants(NAME)["reclaim_after_days"] == 20
    assert api.rules_text(NAME) == (TWENTY, 1)  # comments and layout as typed
    event = AuditEvent.objects.get(action="rules_saved")
    assert (event.actor, event.data["version"], event.data["comment"]) == (people["admin"], 1, "shorter period")


def test_a_failing_example_case_blocks_the_save_until_the_admin_updates_it(admin):
    text = SHIPPED.replace("set warn_after_days = 25", "set warn_after_days = 20")
    # A 21-day prospect is now warned: no case expects that... but "26 days: warned" still holds.
    assert save(admin, text).status_code == 302
    stricter = text.replace("set reclaim_after_days = 30", "set reclaim_after_days = 25")
    blocked = save(admin, stricter, base=1)
    assert blocked.status_code == 400 and in_force() == 1
    [failing] = blocked.context["failing"]
    assert failing["case"] == "silent for 26 days: the owner is warned"
    assert failing["got"] == [["reclaim", "return_to_pool", {"reason": "no contact for 30 days"}]]
    assert save(admin, stricter, base=1, accept=[failing["index"]]).status_code == 302
    assert in_force() == 2
    stored = RuleCases.objects.get(ruleset=NAME, version=2).cases
    assert stored[failing["index"]]["expect"] == failing["got"]
    # The next save runs the updated cases.
    again = stricter.replace("# Prospects nobody", "# Prospects that nobody")
    assert save(admin, again, base=2).status_code == 302


def test_the_second_of_two_admins_is_told_the_version_moved_and_sees_the_change(client, admin, people):
    assert save(admin, TWENTY, comment="first").status_code == 302
    client.force_login(people["admin"])
    mine = SHIPPED.replace("set warn_after_days = 25", "set warn_after_days = 24")
    response = save(client, mine, base=0, comment="second")
    assert response.status_code == 409
    assert response.context["moved"]["version"] == 1 and response.context["moved"]["comment"] == "first"
    assert ("add", "set reclaim_after_days = 20") in response.context["moved_diff"]
    assert ("del", "set reclaim_after_days = 30") in response.context["moved_diff"]
    assert "set warn_after_days = 24" in response.content.decode()  # their text stays in the editor
    assert api.rules_text(NAME) == (TWENTY, 1)


# --- history and rollback ------------------------------------------------------------------


def test_history_shows_each_version_with_its_diff_and_a_rollback_puts_an_old_one_back(admin, people):
    save(admin, TWENTY)
    page = admin.get(url("rules_history"))
    newest = page.context["versions"][0]
    assert (newest["version"], newest["in_force"]) == (1, True)
    assert ("add", "set reclaim_after_days = 20") in newest["diff"]
    assert admin.post(url("rules_rollback"), {"version": 0, "comment": ""}).status_code == 302
    assert in_force() == 1  # no comment, no rollback
    assert admin.post(url("rules_rollback"), {"version": 0, "comment": "back to 30"}).status_code == 302
    assert api.rules_text(NAME) == (SHIPPED, 2)
    assert api.rules_constants(NAME)["reclaim_after_days"] == 30
    event = AuditEvent.objects.get(action="rules_rolled_back")
    assert (event.actor, event.data) == (
        people["admin"],
        {"ruleset": NAME, "version": 2, "back_to": 0, "comment": "back to 30"},
    )


# --- dry runs ----------------------------------------------------------------------------------


def dry_run(client, **data):
    return client.post(url("rules_dryrun"), {"text": TWENTY, **data})


def test_a_dry_run_of_a_typed_fact_explains_each_rule_and_changes_nothing(admin):
    fact = {"stage": "prospect", "owner": "li", "intent_level": "medium", "tags": [], "days_without_contact": 26}
    response = dry_run(admin, facts=json.dumps(fact), use="facts")
    [result] = response.context["results"]
    assert [d["rule"] for d in result["decisions"]] == ["reclaim"]
    rules = {r["name"]: r for r in result["rules"]}
    assert rules["reclaim"]["acted"] and rules["warn"]["matched"] and not rules["warn"]["acted"]
    assert not rules["vip_reclaim"]["matched"]
    assert [c.ok for c in rules["reclaim"]["checks"]] == [True, True]
    assert "days_without_contact &gt;= reclaim_after_days (20)" in response.content.decode()
    assert RuleSetVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("facts", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"days_silent": 3}', "no field 'days_silent'"),
        ('{"days_without_contact": "many"}', "must be a whole number"),
        ("42", "JSON object"),
    ],
)
def test_a_dry_run_refuses_bad_facts_with_the_reason(admin, facts, says):
    assert says in html.unescape(dry_run(admin, facts=facts, use="facts").content.decode())


def test_a_dry_run_of_a_real_prospect_found_by_search(admin, people, stores):
    customer = CustomerFactory(name="刘超娟", home_store=stores[0], owner=people["sales"])
    found = admin.get(url("rules_records"), {"q": "刘超娟"})
    assert found.context["found"] == [(customer.pk, "刘超娟")]
    response = dry_run(admin, reference=str(customer.pk), use="record", facts="")
    [result] = response.context["results"]
    assert result["fact"]["id"] == customer.pk and result["fact"]["owner"] == "sales"
    assert "No record" in dry_run(admin, reference="999999", use="record", facts="").content.decode()


def test_after_being_told_the_version_moved_the_admin_saves_on_top_of_it(client, admin, people):
    assert save(admin, TWENTY, comment="first").status_code == 302
    mine = TWENTY.replace("set warn_after_days = 25", "set warn_after_days = 24")
    told = save(admin, mine, base=0, comment="second")
    assert told.status_code == 409 and told.context["form"]["base_version"].value() == "1"
    assert save(admin, mine, base=1, comment="second, merged").status_code == 302
    assert api.rules_text(NAME) == (mine, 2)


def test_a_dry_run_of_a_real_store_and_a_real_lead(admin, people, stores):
    from portal.crm.models import LeadIntake
    from tests.crm.factories import VehicleFactory

    VehicleFactory(store=stores[0], brand="BYD", model="Han")
    found = admin.get(url("rules_records", "inventory_thresholds"), {"q": "浦东"})
    assert found.context["found"] == [(stores[0].pk, "上海浦东店")]
    text = api.rules_text("inventory_thresholds")[0]
    response = admin.post(
        url("rules_dryrun", "inventory_thresholds"), {"text": text, "reference": str(stores[0].pk), "use": "record"}
    )
    results = response.context["results"]
    assert results and {r["fact"]["store"] for r in results} == {"上海浦东店"}

    customer = CustomerFactory(name="陈静", home_store=stores[0])
    lead = LeadIntake.objects.create(
        customer=customer, source="website", channel="web_form", received={"region": "华东"}
    )
    found = admin.get(url("rules_records", "lead_routing"), {"q": "陈静"})
    assert [pk for pk, _label in found.context["found"]] == [lead.pk]
    text = api.rules_text("lead_routing")[0]
    response = admin.post(
        url("rules_dryrun", "lead_routing"), {"text": text, "reference": str(lead.pk), "use": "record"}
    )
    [result] = response.context["results"]
    assert result["decisions"] and result["decisions"][0]["action"] in ("route_to", "route_to_asked")


def test_the_editor_offers_the_replay_of_its_text(admin):
    page = admin.get(url("rules_edit")).content.decode()
    assert f'hx-post="{url("rules_replay")}" hx-include="#rule-text"' in page
    answer = admin.post(url("rules_replay"), {"text": TWENTY}).content.decode()
    # The fragment's own buttons (the next page of changes) send the editor's text again.
    assert 'id="rules-replay"' in answer and 'hx-include="closest form"' not in answer
