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
import sys
import zlib
from array import array
from datetime import datetime, timedelta
from typing import Any

from .. import clock
from ..conf import setting
from ..models import RuleFactRecord


def keep_days() -> int:
    return int(setting("RULE_FACTS_KEEP_DAYS", 35))


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


# Columns of these classes, with at most one kind of number, can use their values as dict keys: no two
# of their values are equal unless a rule would take them for the same value.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_NUMBERS = frozenset({int, float, bool})


def _keys(values: list[Any]) -> tuple[list[Any], bool]:
    """The values as dict keys that keep apart what a rule keeps apart: 1, 1.0 and true are different
    values, a list is keyed by its items (JSON writes the tuple as the list). Cheap for the usual
    column, one class of scalars or lists (and empty values); otherwise each key is (class, value),
    and the second item says so."""
    classes = set(map(type, values))
    if classes <= _PLAIN and len(classes & _NUMBERS) <= 1:
        return values, False
    if classes <= {list, type(None)}:
        return [v if v is None else tuple(v) for v in values], False
    return [(list, tuple(v)) if v.__class__ is list else (v.__class__, v) for v in values], True


def _column(values: list[Any]) -> bytes:
    """One column, compressed: ``J`` and a JSON list, or (few distinct values, the usual case) ``D``,
    the 4-byte length of a JSON list of the distinct values, the type code of the indexes and each
    fact's index in that list (uint16 or uint32, little-endian): a replay turns indexes into values
    without parsing a value per fact."""
    keys, paired = _keys(values)
    try:
        distinct = dict.fromkeys(keys)
    except TypeError:  # a value that cannot be a key (a list in a list): kept as plain JSON
        distinct = dict.fromkeys(range(len(values)))
    if len(distinct) * 2 > len(values):
        return zlib.compress(b"J" + _json(values).encode(), 6)
    index = {key: code for code, key in enumerate(distinct)}
    table = _json([v for _kind, v in distinct] if paired else list(distinct)).encode()
    indexes = array("H" if len(distinct) < 65536 else "I", map(index.__getitem__, keys))
    if sys.byteorder == "big":
        indexes.byteswap()
    head = b"D" + len(table).to_bytes(4, "big") + table + indexes.typecode.encode()
    return zlib.compress(head + indexes.tobytes(), 6)


def _values(blob: bytes | memoryview, hashable: bool) -> list[Any]:
    raw = zlib.decompress(blob)
    if raw[:1] == b"J":
        values = json.loads(raw[1:])
        return [tuple(v) if v.__class__ is list else v for v in values] if hashable else values
    size = int.from_bytes(raw[1:5], "big")
    table = json.loads(raw[5 : 5 + size])
    if hashable:
        table = [tuple(v) if v.__class__ is list else v for v in table]
    indexes = array(raw[5 + size : 6 + size].decode())
    indexes.frombytes(raw[6 + size :])
    if sys.byteorder == "big":
        indexes.byteswap()
    return list(map(table.__getitem__, indexes))


def encode(facts: list[dict[str, Any]]) -> bytes:
    """Facts as columns, each compressed on its own (``_column``), so that a replay decodes only the
    columns its rules read: a 4-byte header length, a JSON header ``{"n": count, "columns":
    [[name, bytes], ...]}`` (the facts' ids are the column ``id``), then the columns."""
    names = ["id", *sorted({name for fact in facts for name in fact if name != "id"})]
    blobs = [_column([fact.get(name) for fact in facts]) for name in names]
    header = json.dumps({"n": len(facts), "columns": [[n, len(b)] for n, b in zip(names, blobs, strict=True)]})
    head = header.encode()
    return len(head).to_bytes(4, "big") + head + b"".join(blobs)


def decode(
    data: bytes | memoryview, only: set[str] | None = None, *, hashable: bool = False
) -> tuple[int, dict[str, list[Any]]]:
    """(how many facts, field -> values) of the columns named in ``only`` (every column if None);
    ``hashable``: lists come back as tuples (shared by the facts with the same list)."""
    view = memoryview(data)
    size = int.from_bytes(view[:4], "big")
    header = json.loads(bytes(view[4 : 4 + size]))
    columns: dict[str, list[Any]] = {}
    pos = 4 + size
    for name, length in header["columns"]:
        if only is None or name in only:
            columns[name] = _values(view[pos : pos + length], hashable)
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
