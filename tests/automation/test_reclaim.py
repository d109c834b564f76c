"""The reclaim sweep: silent prospects go back to the pool; owners are warned first."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from engine import api
from engine.models import ItemStatus, WorkItem
from portal.crm.automation.reclaim import sweep_reclaim
from portal.crm.models import ChangeRecord, Customer, Stage, Tag
from tests.crm.factories import CustomerFactory

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _silent(days: int, owner, store, **fields) -> Customer:
    return CustomerFactory(home_store=store, owner=owner, last_contact_at=NOW - timedelta(days=days), **fields)


@pytest.fixture
def book(people, stores):
    pudong = stores[0]
    vip = _silent(56, people["sales"], pudong, name="VIP")
    vip.tags.add(Tag.objects.create(name="vip"))
    return {
        "silent": _silent(31, people["sales"], pudong, name="Silent"),
        "warned": _silent(26, people["sales"], pudong, name="Nearly"),
        "fresh": _silent(7, people["sales"], pudong, name="Fresh"),
        "bought": _silent(400, people["sales"], pudong, name="Bought", stage=Stage.CUSTOMER),
        "high": _silent(31, people["sales2"], pudong, name="Keen", intent_level="high"),
        "vip": vip,
    }


def _owner(customer):
    return Customer.objects.values_list("owner__username", flat=True).get(pk=customer.pk)


def test_silent_prospects_return_to_the_pool_and_customers_stay(book):
    report = sweep_reclaim(now=NOW)
    assert _owner(book["silent"]) is None
    assert [_owner(book[k]) for k in ("warned", "fresh", "bought", "high", "vip")] == [
        "sales",
        "sales",
        "sales",
        "sales2",
        "sales",
    ]
    assert report.actions == {"return_to_pool": 1, "warn_owner": 2}
    change = ChangeRecord.objects.get(entity="customer", entity_id=book["silent"].pk, field="owner")
    assert (change.old_value.endswith(":sales"), change.new_value) == (True, "")
    assert "no contact for 30 days" in change.note


def test_owners_are_warned_once_with_a_work_item(book, people):
    sweep_reclaim(now=NOW)
    sweep_reclaim(now=NOW + timedelta(hours=1))
    warnings = WorkItem.objects.filter(kind="warning", status=ItemStatus.OPEN).order_by("subject_label")
    assert [(w.subject_label, w.assignee.username) for w in warnings] == [("Nearly", "sales"), ("VIP", "sales")]
    assert {i.pk for i in api.inbox_for(people["sales"]).mine} == {w.pk for w in warnings}


def test_the_same_sweep_twice_reclaims_nothing_more(book):
    sweep_reclaim(now=NOW)
    again = sweep_reclaim(now=NOW)
    assert again.actions.get("return_to_pool", 0) == 0
    assert ChangeRecord.objects.filter(field="owner").count() == 1


def test_a_warning_is_withdrawn_when_its_prospect_is_reclaimed(book):
    sweep_reclaim(now=NOW)
    sweep_reclaim(now=NOW + timedelta(days=5))
    warning = WorkItem.objects.get(subject_ref=f"customer:{book['warned'].pk}")
    assert (_owner(book["warned"]), warning.status) == (None, ItemStatus.CANCELLED)


def test_a_contact_recorded_after_selection_keeps_the_prospect(book, monkeypatch):
    from portal.crm.automation import reclaim

    real_apply = reclaim._apply

    def contact_first(decisions, rows, at, names):
        Customer.objects.filter(pk=book["silent"].pk).update(last_contact_at=NOW)
        return real_apply(decisions, rows, at, names)

    monkeypatch.setattr(reclaim, "_apply", contact_first)
    sweep_reclaim(now=NOW)
    assert _owner(book["silent"]) == "sales"


def test_preview_shows_tomorrows_reclaims_and_changes_nothing(book, capsys):
    call_command("sweep", "reclaim", "--preview", "--now", (NOW + timedelta(days=4)).isoformat())
    out = capsys.readouterr().out
    assert "would return_to_pool: 3" in out and "name=Nearly" in out and "name=Keen" not in out
    assert _owner(book["warned"]) == "sales" and not WorkItem.objects.exists()


def test_a_dry_run_reads_a_real_customer_and_changes_nothing(book, capsys):
    call_command("rules", "dryrun", "pool_reclaim", "--of", str(book["silent"].pk))
    out = capsys.readouterr().out
    assert '"days_without_contact"' in out and '"rule": "reclaim"' in out
    assert _owner(book["silent"]) == "sales"


def test_shortening_the_reclaim_period_alone_moves_the_sweep(people, stores):
    """An admin changes only `reclaim_after_days` to 20: the sweep asks about prospects silent 20 days too."""
    text = (ROOT / "rules" / "pool_reclaim.rules").read_text(encoding="utf-8")
    api.save_rules(
        text.replace("set reclaim_after_days = 30", "set reclaim_after_days = 20"),
        user=people["admin"],
        comment="reclaim after 20 days",
    )
    silent_21 = _silent(21, people["sales"], stores[0])
    silent_19 = _silent(19, people["sales"], stores[0])
    sweep_reclaim(now=NOW)
    assert _owner(silent_21) is None and _owner(silent_19) == "sales"
