"""Service functions and choice providers that only the engine's test processes use.

Imported by the test modules that deploy processes calling them; registering is
global, so every name here starts with ``test.``.
"""

from typing import Any

from engine.registry import register_choices, register_service

# VINs the reservation service refuses: a test puts one here to make the step
# fail, and takes it out to let a retry succeed.
UNAVAILABLE: set[str] = set()


@register_service("test.quote")
def quote(*, price: int, quantity: int) -> dict[str, Any]:
    """A price quote: the total of ``quantity`` items at ``price``."""
    return {"total": price * quantity, "currency": "CNY"}


@register_service("test.reserve_vehicle")
def reserve_vehicle(*, vin: str) -> str:
    """Reserve a vehicle; refuses the VINs in UNAVAILABLE."""
    if vin in UNAVAILABLE:
        raise ConnectionError(f"stock system refused vehicle {vin}")
    return f"reserved {vin}"


@register_choices("test.colours")
def colours(item: Any) -> list[dict[str, Any]]:
    return [{"value": c, "label": c.title()} for c in ("red", "white", "black")]
