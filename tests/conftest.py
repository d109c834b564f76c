"""Shared fixtures, and the rule that service suites may not be skipped in CI.

PostgreSQL tests run when DATABASE_URL points at PostgreSQL, Redis tests when
REDIS_URL is set; the browser walks run on SQLite only unless LOTFLOW_BROWSER_ON_POSTGRES=1.
Under CI=true, with the variable set, a skipped service test
fails the run, and so does a run in which none of them passed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import make_staff, make_store

SERVICE_MARKERS = {
    "postgres": lambda: os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    "redis": lambda: bool(os.environ.get("REDIS_URL")),
}
_CI = os.environ.get("CI") == "true"
_service_passed: dict[str, int] = {}


def pytest_sessionstart(session):
    """Compile the translation catalogs (as `make messages` does), so that a bare `pytest` sees Chinese pages too."""
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, str(root / "bin" / "compile-messages")], check=True, capture_output=True)


def pytest_collection_modifyitems(config, items):
    # The browser walks read pages, not SQL: CI runs them once, on SQLite. LOTFLOW_BROWSER_ON_POSTGRES=1 runs them
    # on PostgreSQL too (the pages' queries are tested on both through Django's test client).
    if SERVICE_MARKERS["postgres"]() and os.environ.get("LOTFLOW_BROWSER_ON_POSTGRES") != "1":
        walks = [item for item in items if item.get_closest_marker("browser")]
        if walks:
            config.hook.pytest_deselected(items=walks)
            items[:] = [item for item in items if not item.get_closest_marker("browser")]
    for item in items:
        for marker, available in SERVICE_MARKERS.items():
            if item.get_closest_marker(marker) and not available():
                item.add_marker(pytest.mark.skip(reason=f"needs {marker} (set {_env(marker)})"))


def _env(marker: str) -> str:
    return "DATABASE_URL" if marker == "postgres" else "REDIS_URL"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    for marker, available in SERVICE_MARKERS.items():
        if item.get_closest_marker(marker) and available() and report.skipped and _CI:
            report.outcome = "failed"
            report.longrepr = f"{marker} test skipped under CI=true although {_env(marker)} is set"


def pytest_runtest_logreport(report):
    """Counted where the reports arrive: in the one process, or in the controller of `make test`'s workers."""
    if report.when == "call" and report.passed:
        for marker in SERVICE_MARKERS:
            if marker in report.keywords:
                _service_passed[marker] = _service_passed.get(marker, 0) + 1


def pytest_sessionfinish(session, exitstatus):
    if not _CI or session.config.option.collectonly or hasattr(session.config, "workerinput"):
        return  # a worker process sees only its share; the controller judges the whole run
    for marker, available in SERVICE_MARKERS.items():
        if available() and not _service_passed.get(marker):
            print(f"\nCI: {_env(marker)} is set but no {marker} test passed")
            session.exitstatus = 1


# Rows the migrations ship (message templates, questionnaires), as every installation has them.
SHIPPED_ROWS = (
    ("portal.care.migrations.0002_default_templates", "ship"),
    ("portal.surveys.migrations.0002_default_questionnaires", "forwards"),
)


def _flushes(item) -> bool:
    """A test that commits ends by emptying every table (Django's TransactionTestCase), shipped rows too."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that emptied the tables, put the shipped rows back, so that the tests after it (whichever
    they are: `make test` spreads the files over several processes) find the database as migrated."""
    yield
    if nextitem is None or not _flushes(item):
        return  # (after the last test the test database is gone already)
    import importlib

    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for module, function in SHIPPED_ROWS:
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _fresh_engine_caches():
    """Rolled-back tests reuse ids; caches keyed by id must not outlive a test."""
    from engine import clock, permissions, spiff, store, translations
    from engine.rules import versions
    from portal.inbox import values

    spiff.VERIFY_ENCODING = True  # every save compares the reused encoding with SpiffWorkflow's own

    caches = (
        store.LIVE,
        store._bundles,
        versions._compiled,
        permissions._by_user,
        translations._deployments,
        values._labels,
        values._titles,
    )
    for cache in caches:
        cache.clear()
    yield
    clock.freeze(None)
    for cache in caches:
        cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Django's real hasher costs 0.4 s a user; tests make many users and check no password strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def stores(db):
    return make_store("上海浦东店", "华东"), make_store("杭州西湖店", "华东")


@pytest.fixture
def people(stores):
    """A user for every role in two stores, and the group-wide ones."""
    pudong, westlake = stores
    return {
        "sales": make_staff("sales", pudong, ["sales"]),
        "sales2": make_staff("sales2", pudong, ["sales"]),
        "manager": make_staff("manager", pudong, ["store_manager"]),
        "finance": make_staff("finance", pudong, ["finance"]),
        "other_sales": make_staff("other_sales", westlake, ["sales"]),
        "other_manager": make_staff("other_manager", westlake, ["store_manager"]),
        "hq": make_staff("hq", None, [("hq", True)]),
        "admin": make_staff("admin", None, [("admin", True)]),
    }
