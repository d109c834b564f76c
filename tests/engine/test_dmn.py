"""Business rule tasks with DMN: UNIQUE and COLLECT work; other hit policies are refused."""

import pytest

from engine import api
from engine.errors import DeploymentRefused
from engine.models import Deployment
from tests.helpers import BPMN_DIR, assert_round_trip, deploy, only_item

FILES = ("pricing_rules.bpmn", "tier_discount.dmn", "inspection_checks.dmn")


def _price(stores, **data) -> int:
    deploy(*FILES)
    facts = {"tier": "bronze", "amount": 10000, "mileage": 20000, "age_years": 1}
    return api.start("pricing_rules", data={"store_id": stores[0].pk, **facts, **data}).instance_id


@pytest.mark.parametrize(
    ("tier", "amount", "discount"),
    [
        ("gold", 150000, 8),  # an operator entry (>=)
        ("gold", 20000, 5),  # "-" matches anything
        ("silver", 60000, 3),  # a range with ?
        ("silver", 20000, 0),
        ("bronze", 500000, 0),
    ],
)
def test_unique_table_gives_the_discount_of_the_matching_rule(stores, tier, amount, discount):
    instance = _price(stores, tier=tier, amount=amount)
    assert only_item(instance, "ReviewPrice").instructions.startswith(f"Discount {discount}%;")
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("mileage", "age", "checks"),
    [
        (150000, 8, "timing belt, rust, tyres"),
        (150000, 2, "timing belt, tyres"),
        (10000, 1, "tyres"),
    ],
)
def test_collect_table_lists_the_output_of_every_matching_rule(stores, mileage, age, checks):
    instance = _price(stores, mileage=mileage, age_years=age)
    assert only_item(instance, "ReviewPrice").instructions.endswith(f"check: {checks}.")
    assert_round_trip(instance)


def _with_policy(policy: str, aggregation: str = "") -> list[api.Source]:
    text = (BPMN_DIR / "tier_discount.dmn").read_text()
    replacement = f'hitPolicy="{policy}"' + (f' aggregation="{aggregation}"' if aggregation else "")
    sources = [api.Source("tier_discount.dmn", text.replace('hitPolicy="UNIQUE"', replacement))]
    return sources + [api.Source(name, (BPMN_DIR / name).read_text()) for name in FILES if name != sources[0].name]


@pytest.mark.parametrize(
    ("policy", "aggregation", "reason"),
    [
        ("FIRST", "", "hit policy FIRST is not implemented"),
        ("ANY", "", "hit policy ANY is not implemented"),
        ("PRIORITY", "", "hit policy PRIORITY is not implemented"),
        ("RULE ORDER", "", "hit policy RULE ORDER is not implemented"),
        ("OUTPUT ORDER", "", "hit policy OUTPUT ORDER is not implemented"),
        ("COLLECT", "SUM", "COLLECT with an aggregation is not implemented"),
    ],
)
def test_other_hit_policies_are_refused_at_deploy_with_the_table_named(db, policy, aggregation, reason):
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources(_with_policy(policy, aggregation))
    [problem] = refused.value.problems
    assert (problem.file, problem.element) == ("tier_discount.dmn", "Table_tier_discount")
    assert problem.reason.startswith(reason)
    assert not Deployment.objects.exists()
