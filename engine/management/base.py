"""Shared plumbing for the engine's management commands: users, JSON, errors, exit codes.

Exit codes: 0 done; 1 refused input (invalid BPMN, bad JSON, bad arguments);
3 not found; 4 not allowed; 5 invalid form data; 6 conflict (someone else got
there first); 7 wrong state.
"""

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from engine.clock import parse_aware
from engine.errors import EngineError, InvalidData
from engine.permissions import user_by_name


class EngineCommand(BaseCommand):
    requires_system_checks: list[str] = []

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except EngineError as err:
            raise CommandError(str(err), returncode=err.exit_code) from err

    def user(self, username: str | None, *, required: bool = True) -> Any:
        if not username:
            if required:
                raise CommandError("--user is required", returncode=1)
            return None
        return user_by_name(username)

    def json_arg(self, text: str | None, what: str = "--data") -> dict:
        if text is None:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            raise CommandError(f"{what} is not valid JSON: {err.msg} at column {err.colno}", returncode=1) from err
        if not isinstance(value, dict):
            raise InvalidData({"": [f"{what} must be a JSON object, like '{{\"field\": 1}}'"]})
        return value

    def print_json(self, value: Any) -> None:
        self.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def parse_now(text: str | None) -> datetime | None:
    """A ``--now`` option: an ISO 8601 time with its offset, or None for the clock's now."""
    if not text:
        return None
    try:
        return parse_aware(text)
    except ValueError as err:
        raise CommandError(f"--now: {err}", returncode=1) from err
