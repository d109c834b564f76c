"""The demo data set, built once for a module whose tests all read it.

Seeding takes seconds (300 customers with their history); building it for each
test that needs it cost most of a minute. A module that uses ``demo_set`` seeds
it once inside an outer transaction; each test runs in a savepoint within it
(pytest-django's ``db``), so its writes are rolled back before the next test,
and the whole set is rolled back when the module ends. Only non-transactional
tests may use it, and every test of such a module sees the demo data.
"""

import pytest
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="module")
def demo_set(django_db_setup, django_db_blocker):
    from portal.crm.demo import seed_demo

    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        seed_demo()
        yield
        transaction.set_rollback(True)
