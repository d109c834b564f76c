"""The care app's settings (settings.LOTFLOW_CARE), read at call time so tests can change them."""

from typing import Any

from django.conf import settings


def care_settings() -> dict[str, Any]:
    found: dict[str, Any] = settings.LOTFLOW_CARE
    return found
