"""The engine's settings (``settings.LOTFLOW``), read at the time of use so tests can change them."""

from typing import Any

from django.conf import settings


def setting(name: str, default: Any = None) -> Any:
    return settings.LOTFLOW.get(name, default)
