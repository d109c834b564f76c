"""The content security policy (portal/csp.py): on every answer, with a fresh nonce, and no template needs
more than it allows (the browser walks fail on any violation: tests/browser/conftest.py)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in (ROOT / "portal").rglob("templates/**/*.html"))

pytestmark = pytest.mark.django_db


def test_pages_carry_the_policy_with_a_fresh_nonce(client):
    first, second = client.get("/login/"), client.get("/login/")
    policy = first["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    assert policy != second["Content-Security-Policy"]


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(p.relative_to(ROOT)) for p in TEMPLATES])
def test_no_template_runs_a_script_the_policy_would_block(template):
    text = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or "nonce=" in tag or "application/json" in tag, f"inline script without nonce: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", text), "an inline event handler"
    assert "javascript:" not in text
