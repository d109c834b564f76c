"""The facts each evaluation of a rule set saw, kept for replays (engine.rules.replay).

Every evaluation of a rule set in force (``versions.evaluate``: the sweeps, lead
routing, scoring) stores the facts it read as one row, the facts as columns, each
column a JSON list compressed on its own, so that a replay decodes only the
columns its rules read. A sweep's chunk of 2,000 prospects is one row of a few
KB; one lead's routing is one small row. Rows older than
``settings.LOTFLOW["RULE_FACTS_KEEP_DAYS"]`` (35) are purged after the nightly
reclaim sweep.
"""

import json
import zlib
from datetime import datetime, timedelta
from typing import Any

from .. import clock
from ..conf import setting
from ..models import RuleFactRecord


def keep_days() -> int:
    return int(setting("RULE_FACTS_KEEP_DAYS", 35))


def encode(facts: list[dict[str, Any]]) -> bytes:
    """Facts as columns, each a JSON list compressed on its own, so that a replay decodes only the
    columns its rules read: a 4-byte header length, a JSON header ``{"n": count, "columns":
    [[name, bytes], ...]}`` (the facts' ids are the column ``id``), then the columns."""
    names = ["id", *sorted({name for fact in facts for name in fact if name != "id"})]
    blobs = [
        zlib.compress(
            json.dumps(
                [fact.get(name) for fact in facts], separators=(",", ":"), ensure_ascii=False, default=str
            ).encode(),
            6,
        )
        for name in names
    ]
    header = json.dumps({"n": len(facts), "columns": [[n, len(b)] for n, b in zip(names, blobs, strict=True)]})
    head = header.encode()
    return len(head).to_bytes(4, "big") + head + b"".join(blobs)


def decode(data: bytes | memoryview, only: set[str] | None = None) -> tuple[int, dict[str, list[Any]]]:
    """(how many facts, field -> values) of the columns named in ``only`` (every column if None)."""
    view = memoryview(data)
    size = int.from_bytes(view[:4], "big")
    header = json.loads(bytes(view[4 : 4 + size]))
    columns: dict[str, list[Any]] = {}
    pos = 4 + size
    for name, length in header["columns"]:
        if only is None or name in only:
            columns[name] = json.loads(zlib.decompress(view[pos : pos + length]))
        pos += length
    return header["n"], columns


def facts_of(data: bytes | memoryview) -> list[dict[str, Any]]:
    count, columns = decode(data)
    facts: list[dict[str, Any]] = [{} for _ in range(count)]
    for name, values in columns.items():
        for fact, value in zip(facts, values, strict=True):
            if value is not None or name == "id":
                fact[name] = value
    return facts


def record(name: str, facts: list[dict[str, Any]], *, version: int | None, at: datetime | None = None) -> None:
    """Keep the facts one evaluation of ``name`` saw (nothing is kept for an empty evaluation)."""
    if not facts:
        return
    RuleFactRecord.objects.create(
        ruleset=name, at=at or clock.now(), version=version, count=len(facts), data=encode(facts)
    )


def purge(*, now: datetime | None = None) -> int:
    """Delete recorded facts older than the retention; returns how many evaluations were deleted."""
    cutoff = (now or clock.now()) - timedelta(days=keep_days())
    deleted, _ = RuleFactRecord.objects.filter(at__lt=cutoff).delete()
    return deleted
