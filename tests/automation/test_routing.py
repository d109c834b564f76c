"""Lead routing by the lead_routing rules: a store, then its pool or a salesperson."""

from portal.crm.automation.routing import route
from portal.crm.automation.texts import shown_all
from portal.crm.models import LeadIntake, Staff
from tests.crm.factories import CustomerFactory

SUV = {"id": 1, "region": "华东", "vehicle_type": "suv", "budget_max": 500000, "source": "walk_in"}


def _routed(routing):
    return routing.store.name, routing.owner.username if routing.owner else None


def _remember(routing, stores):
    """What lead intake records after routing (round robin reads it)."""
    LeadIntake.objects.create(
        customer=CustomerFactory(home_store=routing.store),
        source="walk_in",
        channel="api",
        routed_store=routing.store,
        routed_owner=routing.owner,
    )


def test_round_robin_takes_the_stores_salespeople_in_turn(people, stores):
    owners = []
    for _ in range(3):
        routing = route(SUV, stores[0])
        _remember(routing, stores)
        owners.append(_routed(routing))
    assert owners == [("上海浦东店", "sales"), ("上海浦东店", "sales2"), ("上海浦东店", "sales")]
    assert shown_all(routing.reasons)[0].startswith("rule luxury_suv_east")


def test_inactive_salespeople_are_skipped_and_the_reason_recorded(people, stores):
    Staff.objects.filter(user=people["sales"]).update(active=False)
    routing = route(SUV, stores[0])
    assert _routed(routing) == ("上海浦东店", "sales2")
    assert "skipped sales: inactive" in shown_all(routing.reasons)


def test_salespeople_at_their_cap_are_skipped(people, stores, settings, tmp_path):
    rules = (settings.LOTFLOW["RULES_DIR"] / "pool_reclaim.rules").read_text()
    (tmp_path / "pool_reclaim.rules").write_text(
        rules.replace("max_prospects_per_salesperson = 200", "max_prospects_per_salesperson = 1")
    )
    (tmp_path / "lead_routing.rules").write_text((settings.LOTFLOW["RULES_DIR"] / "lead_routing.rules").read_text())
    settings.LOTFLOW = {**settings.LOTFLOW, "RULES_DIR": tmp_path}
    CustomerFactory(home_store=stores[0], owner=people["sales"])
    routing = route(SUV, stores[0])
    assert _routed(routing) == ("上海浦东店", "sales2")
    assert "skipped sales: owns 1 prospects (cap 1)" in shown_all(routing.reasons)


def test_fewest_open_picks_the_least_busy_salesperson(people, stores):
    routing = route({"id": 2, "region": "华东", "source": "website"}, stores[0])
    assert _routed(routing) == ("杭州西湖店", "other_sales")


def test_a_lead_naming_a_store_waits_in_that_stores_pool(people, stores):
    assert _routed(route({"id": 3, "store": "杭州西湖店", "source": "referral"}, stores[0])) == ("杭州西湖店", None)


def test_a_rule_naming_a_missing_store_falls_back_to_the_default_pool(people, stores):
    routing = route({"id": 4, "region": "华南", "source": "referral"}, stores[1])
    assert _routed(routing) == ("杭州西湖店", None)
    assert "store '广州天河店' does not exist" in shown_all(routing.reasons)[-1]
