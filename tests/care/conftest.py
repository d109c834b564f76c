from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from engine import clock
from tests.crm.conftest import as_user, book, crm_people, stock  # noqa: F401 - shared fixtures

# 10:00 in the dealers' time zone: outside the quiet hours (21:00-08:00).
MORNING = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _care(settings, tmp_path):
    """SMS files in a fresh folder, fast backoff, and a morning clock."""
    settings.LOTFLOW_CARE = {
        **settings.LOTFLOW_CARE,
        "SMS_BACKEND": "portal.care.sms.FileBackend",
        "SMS_OUTBOX_DIR": tmp_path / "sms",
        "BACKOFF_SECONDS": 1,
        "MAX_ATTEMPTS": 3,
        "HOOK_TOKEN": "hook-secret",
    }
    clock.freeze(MORNING)
    yield
    clock.freeze(None)


def sms_files(settings) -> list:
    folder = settings.LOTFLOW_CARE["SMS_OUTBOX_DIR"]
    return sorted(folder.glob("*.json")) if folder.exists() else []
