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

from portal.settings import *  # noqa: F403

# Templates render without a collectstatic run: plain names, files served by the finders. One test
# (tests/test_static_files.py) collects with the production storage and checks its hashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Admins' second factor (portal/second_factor.py) is off for the suite, whose admins sign in with force_login;
# tests/crm/test_second_factor.py turns it on (the `settings` fixture) to test it.
LOTFLOW_ADMIN_SECOND_FACTOR = False
