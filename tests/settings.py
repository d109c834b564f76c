"""The settings the test suite and the benchmarks run with: production's, plus test-only keys and plain http.

Keys and LOTFLOW_HTTPS go into the environment (only where unset) before
portal.settings loads, so that the worker processes some tests start get the
same ones. Production settings themselves hold no key.
"""

import os

os.environ.setdefault("LOTFLOW_SECRET_KEY", "test-only-secret-key-never-used-outside-the-test-suite-0123456789")
os.environ.setdefault("LOTFLOW_DATA_KEYS", "t1:test-only-data-key-never-used-outside-the-test-suite")
os.environ.setdefault("LOTFLOW_HTTPS", "0")
# The suite's pages default to English, so that tests asserting English text read as they were written;
# a test that checks Chinese says so (translation.override, a staff member's saved language, Accept-Language).
os.environ["LOTFLOW_LANGUAGE"] = "en"
# `make test` runs the suite in several processes (pytest-xdist: gw0, gw1, ...). Each has its own test database
# (pytest-django adds the worker's name), its own var/ folder (the cache, the filesystem broker's queue, the mail
# and SMS outboxes) and its own Redis database, counting down from REDIS_URL's, so that one process's queues,
# rate limits and beat lock never meet another's. They go into the environment because the worker and beat
# processes some tests start read them from there, once: a process started by a test inherits the worker's name
# and keeps what it was given (its own var/ folder or Redis server, some tests start one).
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and os.environ.get("LOTFLOW_TEST_WORKER") != _xdist_worker:
    os.environ["LOTFLOW_TEST_WORKER"] = _xdist_worker
    from pathlib import Path

    _var = Path(os.environ.get("LOTFLOW_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    os.environ["LOTFLOW_VAR_DIR"] = str(_var / f"test-{_xdist_worker}")
    _base, _, _number = os.environ.get("REDIS_URL", "").rpartition("/")
    if _base.startswith("redis") and _number.isdigit():
        os.environ["REDIS_URL"] = f"{_base}/{(int(_number) - int(_xdist_worker[2:])) % 16}"

from portal.settings import *  # noqa: E402, F403

# Templates render without a collectstatic run: plain names, files served by the finders. One test
# (tests/test_static_files.py) collects with the production storage and checks its hashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Admins' second factor (portal/second_factor.py) is off for the suite, whose admins sign in with force_login;
# tests/crm/test_second_factor.py turns it on (the `settings` fixture) to test it.
LOTFLOW_ADMIN_SECOND_FACTOR = False
