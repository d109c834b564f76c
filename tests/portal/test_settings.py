"""Production settings fail closed: no key, no start; DEBUG off unless asked for; `check --deploy` clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "LOTFLOW_SECRET_KEY": "k" * 20 + "-throwaway-secret-key-for-this-test-only-0123456789",
    "LOTFLOW_DATA_KEYS": "1:throwaway-data-key-for-this-test-only-0123456789",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py with production settings: none of the suite's keys, flags or Django switches, only ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOTFLOW_"))}
    clean.update(LOTFLOW_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", sorted(KEYS))
def test_a_start_without_a_key_stops_naming_the_variable(tmp_path, missing):
    present = {k: v for k, v in KEYS.items() if k != missing}
    result = manage(tmp_path, "check", **present)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is not set" in result.stderr and "secrets.token_urlsafe" in result.stderr


def test_a_developer_switch_does_not_bring_back_a_built_in_key(tmp_path):
    result = manage(tmp_path, "check", LOTFLOW_DEBUG="1", LOTFLOW_DATA_KEYS="1:" + "x" * 40)
    assert result.returncode != 0 and "LOTFLOW_SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **KEYS)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_plain_http_for_make_run_is_an_explicit_choice_the_check_reports(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", LOTFLOW_HTTPS="0", **KEYS)
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W018" not in result.stderr  # no redirect, DEBUG still off


@pytest.mark.parametrize(
    ("ring", "reason"),
    [
        ("no-key-id-here-but-long-enough-0123456789", "key id"),
        ("1:short", "shorter than 32"),
        ("1:" + "a" * 40 + ",1:" + "b" * 40, "appears twice"),
    ],
)
def test_a_malformed_data_key_ring_stops_the_start_saying_why(tmp_path, ring, reason):
    result = manage(tmp_path, "check", **{**KEYS, "LOTFLOW_DATA_KEYS": ring})
    assert result.returncode != 0
    assert "LOTFLOW_DATA_KEYS is malformed" in result.stderr and reason in result.stderr
