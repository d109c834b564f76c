"""JSON text for what the engine stores at every step: states, form data, audit data.

orjson writes these several times faster than the standard library, which was a
tenth of a step (bench/engine.py). The text means the same as ``json.dumps(value,
default=str)``: values JSON has no type for (dates, decimals, sets, objects) are
written as their ``str()``, and keys that are not strings become strings. It is
UTF-8 rather than ASCII-escaped, and NaN is written as null. An integer beyond
64 bits, which orjson refuses, falls back to the standard library.
"""

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)
