"""The inventory thresholds sweep: stock counts per store and brand, model or vehicle type.

Counts are one GROUP BY in SQL (kinds no store has in stock count as zero in
every store); the ``inventory_thresholds`` rules decide. A shortage alerts the
store manager and drafts a Transfer of the car longest in stock of that kind
from the store with the largest surplus, or, where no store has one, an
AcquisitionRequest; the process issues start their processes from these
drafts. Alerts carry a key per day and drafts are not repeated while one for
the same store and kind is open, so the sweep is safe to run twice.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from engine import api

from ..models import AcquisitionRequest, Store, Transfer, Vehicle
from ..models.choices import AcquisitionStatus, TransferStatus, VehicleStatus
from .reclaim import SweepReport
from .rules import now_or
from .texts import english, shown, text

LEVELS = {"brand": ("brand",), "model": ("brand", "model"), "vehicle_type": ("vehicle_type",)}
OPEN_TRANSFERS = [TransferStatus.DRAFT, TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.IN_TRANSIT]
OPEN_ACQUISITIONS = [AcquisitionStatus.DRAFT, AcquisitionStatus.REQUESTED, AcquisitionStatus.APPROVED]


def stock_counts(store_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """One fact per store and kind (brand, brand+model, vehicle type), zero counts included."""
    stores = {s.pk: s for s in Store.objects.all()}
    facts = []
    for level, fields in LEVELS.items():
        kinds = set(Vehicle.objects.values_list(*fields).distinct())
        counts = defaultdict(int)
        for row in (
            Vehicle.objects.filter(status=VehicleStatus.IN_STOCK).values("store_id", *fields).annotate(n=Count("id"))
        ):
            counts[(row["store_id"], tuple(row[f] for f in fields))] = row["n"]
        for store_id, store in stores.items():
            if store_ids is not None and store_id not in store_ids:
                continue
            for kind in kinds:
                fact = {
                    "level": level,
                    "store": store.name,
                    "region": store.region,
                    "store_id": store_id,
                    "in_stock": counts[(store_id, kind)],
                    **dict(zip(fields, kind, strict=True)),
                }
                fact["id"] = f"{store_id}/{level}/{'/'.join(kind)}"
                facts.append(fact)
    return facts


def facts_of_store(reference: str) -> list[dict[str, Any]]:
    """For `rules dryrun inventory_thresholds --of STORE_ID`."""
    if not reference.isdigit():
        return []
    return [{k: v for k, v in f.items() if k != "store_id"} for f in stock_counts([int(reference)])]


def sweep_thresholds(
    *, now: datetime | None = None, preview: bool = False, store_ids: list[int] | None = None
) -> SweepReport:
    at = now_or(now)
    facts = stock_counts(store_ids)
    report = SweepReport("thresholds", at, preview, candidates=len(facts))
    by_id = {f["id"]: f for f in facts}
    every_store = facts if store_ids is None else stock_counts()
    for decision in api.evaluate_rules(
        "inventory_thresholds",
        [{k: v for k, v in f.items() if k != "store_id"} for f in facts],
        at=at,
        record=not preview,
    ):
        fact = by_id[decision.fact]
        report.actions[decision.action] += 1
        if preview:
            report.details.append(
                {
                    "store": fact["store"],
                    "kind": _kind(fact),
                    "in_stock": fact["in_stock"],
                    "action": decision.action,
                    **decision.params,
                }
            )
            continue
        if decision.action == "stock_short":
            _short(fact, int(decision.params["minimum"]), every_store, at, report)
        else:
            over = text(
                gettext_noop("%(count)s %(kind)s in stock, above the maximum of %(maximum)s"),
                count=fact["in_stock"],
                kind=_kind(fact),
                maximum=int(decision.params["maximum"]),
            )
            _alert(fact, over, "over", at)
    return report


def _kind(fact: dict[str, Any]) -> str:
    return " ".join(str(fact[f]) for f in LEVELS[fact["level"]] if fact.get(f))


def _alert(fact: dict[str, Any], reason: dict[str, Any], what: str, at: datetime) -> None:
    """One alert for the store manager; its texts are messages, shown in the reader's language."""
    day = timezone.localtime(at).date().isoformat()
    title = text(gettext_noop("%(store)s: %(reason)s"), store=fact["store"], reason=reason)
    instructions = text(gettext_noop("%(reason)s."), reason=reason)
    api.create_items(
        [
            {
                "kind": "alert",
                "key": f"stock:{fact['id']}:{what}:{day}",
                "role": "store_manager",
                "store_id": fact["store_id"],
                "title": english(title),
                "texts": {"title": title, "instructions": instructions},
                "priority": 2,
                "subject_label": _kind(fact),
                "subject_ref": f"store:{fact['store_id']}",
                "instructions": english(instructions),
            }
        ]
    )


@transaction.atomic
def _short(
    fact: dict[str, Any], minimum: int, every_store: list[dict[str, Any]], at: datetime, report: SweepReport
) -> None:
    kind_filter = {f: fact[f] for f in LEVELS[fact["level"]]}
    store = Store.objects.get(pk=fact["store_id"])
    missing = minimum - fact["in_stock"]
    short = text(
        gettext_noop("%(count)s %(kind)s in stock, below the minimum of %(minimum)s"),
        count=fact["in_stock"],
        kind=_kind(fact),
        minimum=minimum,
    )
    _alert(fact, short, "short", at)
    pending = (
        Transfer.objects.filter(
            to_store=store, status__in=OPEN_TRANSFERS, **{f"vehicle__{k}": v for k, v in kind_filter.items()}
        ).exists()
        or AcquisitionRequest.objects.filter(
            store=store, status__in=OPEN_ACQUISITIONS, **_acquisition_kind(kind_filter)
        ).exists()
    )
    if pending:
        return
    donors = sorted(
        (
            f
            for f in every_store
            if f["level"] == fact["level"]
            and f["store_id"] != store.pk
            and all(f.get(k) == v for k, v in kind_filter.items())
            and f["in_stock"] > minimum
        ),
        key=lambda f: (-(f["in_stock"] - minimum), f["store"]),
    )
    if donors:
        donor = donors[0]
        car = (
            Vehicle.objects.filter(store_id=donor["store_id"], status=VehicleStatus.IN_STOCK, **kind_filter)
            .order_by("created_at", "id")
            .first()
        )
        if car is not None:
            Transfer.objects.create(
                vehicle=car,
                from_store_id=donor["store_id"],
                to_store=store,
                reason=_reason(
                    gettext_noop("stock rule: %(short)s; %(store)s has %(count)s"),
                    short,
                    store=donor["store"],
                    count=donor["in_stock"],
                ),
                status=TransferStatus.DRAFT,
            )
            report.actions["draft transfer"] += 1
            return
    AcquisitionRequest.objects.create(
        store=store,
        quantity=missing,
        reason=_reason(gettext_noop("stock rule: %(short)s; no store has a surplus"), short),
        status=AcquisitionStatus.DRAFT,
        **_acquisition_kind(kind_filter),
    )
    report.actions["draft acquisition request"] += 1


def _reason(msgid: str, short: dict[str, Any], **params: Any) -> str:
    """A draft's reason is one plain text, read by the group's staff: written in the group's language."""
    language = settings.LANGUAGE_CODE
    return shown(text(msgid, short=shown(short, language), **params), language)


def _acquisition_kind(kind_filter: dict[str, Any]) -> dict[str, Any]:
    return {
        "brand": kind_filter.get("brand", ""),
        "model": kind_filter.get("model", ""),
        "vehicle_type": kind_filter.get("vehicle_type", ""),
    }
