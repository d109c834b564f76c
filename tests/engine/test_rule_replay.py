"""Recording the facts each rule evaluation saw, and replaying an edit over them (issue 20, item 4)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import api, clock
from engine.models import RuleFactRecord, RuleReplayLock, RuleSetVersion, WorkItem
from engine.rules.recorded import decode, encode, facts_of
from engine.rules.replay import replay_lock
from portal.crm.automation.reclaim import sweep_reclaim
from portal.crm.models import ChangeRecord, Customer
from portal.crm.sweeps import SWEEPS
from tests.crm.factories import CustomerFactory

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
SHIPPED = (Path(__file__).resolve().parents[2] / "rules" / "pool_reclaim.rules").read_text(encoding="utf-8")
TWENTY = SHIPPED.replace("set reclaim_after_days = 30", "set reclaim_after_days = 20")


def _silent(days: int, owner, store, name: str) -> Customer:
    return CustomerFactory(home_store=store, owner=owner, last_contact_at=NOW - timedelta(days=days), name=name)


@pytest.fixture
def swept(people, stores):
    """Prospects idle 15, 21, 25 and 31 days tonight; the sweep ran the last three nights."""
    book = {days: _silent(days, people["sales"], stores[0], f"Idle {days}") for days in (15, 21, 25, 31)}
    for back in (2, 1, 0):
        with clock.frozen(NOW - timedelta(days=back)):
            sweep_reclaim()
    return book


def _business() -> tuple:
    return (
        list(Customer.objects.order_by("pk").values_list("pk", "owner_id", "last_contact_at", "name")),
        ChangeRecord.objects.count(),
        list(WorkItem.objects.order_by("pk").values_list("pk", "status")),
        RuleFactRecord.objects.count(),
        list(RuleSetVersion.objects.values_list("pk", "version")),
    )


def _counts(result) -> dict:
    return {(c["action"], tuple(c["params"].items())): (c["old"], c["new"]) for c in result["counts"]}


def test_each_night_records_every_owned_prospect_in_one_row_per_chunk(swept):
    rows = list(RuleFactRecord.objects.filter(ruleset="pool_reclaim").order_by("at"))
    assert [(r.at, r.count, r.version) for r in rows] == [
        (NOW - timedelta(days=2), 4, None),
        (NOW - timedelta(days=1), 4, None),
        (NOW, 3, None),  # the 31-day prospect went back to the pool the night before
    ]
    tonight = {f["id"]: f for f in facts_of(rows[-1].data)}
    assert {f["days_without_contact"] for f in tonight.values()} == {15, 21, 25}
    assert tonight[swept[21].pk]["owner"] == "sales" and tonight[swept[21].pk]["tags"] == []
    count, columns = decode(rows[-1].data, {"id", "days_without_contact"})
    assert (count, sorted(columns)) == (3, ["days_without_contact", "id"])
    assert sorted(columns["id"]) == sorted(tonight)


def test_a_preview_records_nothing(people, stores):
    _silent(31, people["sales"], stores[0], "Idle")
    sweep_reclaim(now=NOW, preview=True)
    assert not RuleFactRecord.objects.exists()


def test_twenty_days_reclaims_the_20_to_29_day_prospects_in_the_replay(swept):
    with clock.frozen(NOW):
        result = api.replay_rules("pool_reclaim", TWENTY)
    assert (result["evaluations"], result["facts"], result["days"]) == (3, 11, 30)
    # old: the 31-day one warned at 29 then reclaimed at 30, the 25-day one warned tonight;
    # new: everything silent 20 days or more goes back: 25+31 (-2), 21+25+31 (-1), 21+25 (tonight).
    assert _counts(result) == {
        ("return_to_pool", ()): (1, 7),
        ("warn_owner", (("days_left", 5),)): (2, 0),
    }
    assert result["changed_total"] == 6
    tonight = [c for c in result["changed"] if c["at"] == NOW]
    assert {c["fact"]["id"] for c in tonight} == {swept[21].pk, swept[25].pk}
    by_id = {c["fact"]["id"]: c for c in tonight}
    assert by_id[swept[21].pk]["old"] == [] and by_id[swept[21].pk]["new"][0]["action"] == "return_to_pool"
    assert [d["action"] for d in by_id[swept[25].pk]["old"]] == ["warn_owner"]
    assert swept[15].pk not in {c["fact"]["id"] for c in result["changed"]}


def test_the_replay_reads_what_the_sweep_saw_not_todays_records(swept):
    Customer.objects.filter(pk=swept[21].pk).update(last_contact_at=NOW, name="Renamed")
    Customer.objects.filter(pk=swept[25].pk).update(owner=None)
    with clock.frozen(NOW):
        result = api.replay_rules("pool_reclaim", TWENTY)
    tonight = {c["fact"]["id"]: c["fact"] for c in result["changed"] if c["at"] == NOW}
    assert tonight[swept[21].pk]["days_without_contact"] == 21
    assert tonight[swept[25].pk]["owner"] == "sales"


def test_a_replay_writes_no_business_data(swept):
    before = _business()
    with clock.frozen(NOW):
        api.replay_rules("pool_reclaim", TWENTY)
    assert _business() == before
    assert not RuleReplayLock.objects.exists()


def test_a_text_with_mistakes_answers_its_problems_with_lines(swept):
    broken = TWENTY.replace("days_without_contact >= reclaim_after_days", "days_silent >= reclaim_after_days")
    with pytest.raises(api.RulesRefused) as refused:
        api.replay_rules("pool_reclaim", broken)
    assert any(p.element.startswith("line ") and "days_silent" in p.reason for p in refused.value.problems)
    other = TWENTY.replace("ruleset pool_reclaim", "ruleset lead_routing")
    with pytest.raises(api.RulesRefused):
        api.replay_rules("pool_reclaim", other)


def test_a_second_replay_while_one_runs_is_refused(swept):
    with clock.frozen(NOW):
        with replay_lock("pool_reclaim"):  # what a replay running in another process holds
            with pytest.raises(api.ReplayRunning) as refused:
                api.replay_rules("pool_reclaim", TWENTY)
            assert refused.value.started_at == NOW
            api.replay_rules("lead_routing", (Path(SHIPPED_DIR) / "lead_routing.rules").read_text())  # another set
        assert api.replay_rules("pool_reclaim", TWENTY)["changed_total"] == 6


def test_a_lock_left_by_a_crashed_replay_expires(swept):
    RuleReplayLock.objects.create(ruleset="pool_reclaim", started_at=NOW - timedelta(hours=1))
    with clock.frozen(NOW):
        assert api.replay_rules("pool_reclaim", TWENTY)["changed_total"] == 6


def test_the_nightly_reclaim_purges_records_past_their_retention(swept, settings):
    RuleFactRecord.objects.create(ruleset="lead_routing", at=NOW - timedelta(days=36), count=1, data=b"")
    kept = RuleFactRecord.objects.count() - 1
    report = SWEEPS["reclaim"](now=NOW)
    assert report.actions["rule fact records purged"] == 1
    assert RuleFactRecord.objects.count() == kept + 1  # tonight's run recorded one more
    settings.LOTFLOW = {**settings.LOTFLOW, "RULE_FACTS_KEEP_DAYS": 1}
    assert api.purge_rule_facts(now=NOW) == 1  # the night 2 days back; the one exactly a day old stays


def test_routing_a_lead_records_its_fact(db):
    api.evaluate_rules("lead_routing", [{"id": 7, "source": "website", "region": "华东"}])
    row = RuleFactRecord.objects.get(ruleset="lead_routing")
    assert facts_of(row.data) == [{"id": 7, "source": "website", "region": "华东"}]


SHIPPED_DIR = Path(__file__).resolve().parents[2] / "rules"


def test_recorded_values_come_back_as_they_were():
    facts = [
        {"id": n, "n": v, "tags": t}
        for n, (v, t) in enumerate([(1, ["a"]), (1.0, []), (True, ["a"]), (None, None), (1, [["x"]]), (1, ["a"])])
    ]
    assert facts_of(encode(facts)) == [{k: v for k, v in f.items() if v is not None or k == "id"} for f in facts]
    plain = [{"id": n, "store": "上海浦东店", "days": n % 3} for n in range(100)]
    assert facts_of(encode(plain)) == plain


@pytest.mark.django_db(transaction=True)
def test_the_lock_holds_across_database_connections():
    """Another process's replay, as another connection: its committed lock row refuses this one."""
    import threading

    from django.db import connection

    held, release, errors = threading.Event(), threading.Event(), []

    def other_process() -> None:
        try:
            with replay_lock("pool_reclaim"):
                held.set()
                release.wait(10)
        except Exception as err:  # noqa: BLE001 - reported to the test below
            errors.append(err)
            held.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        assert held.wait(10) and not errors
        with pytest.raises(api.ReplayRunning):
            api.replay_rules("pool_reclaim", TWENTY)
    finally:
        release.set()
        thread.join(10)
    assert api.replay_rules("pool_reclaim", TWENTY)["evaluations"] == 0
    assert not RuleReplayLock.objects.exists()
