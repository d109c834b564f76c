"""The reports read from the read replica named by LOTFLOW_REPORTS_DATABASE_URL; everything else from the primary."""

import json
import shutil
import sys

import pytest
from django.db import transaction
from django.test import override_settings

from portal.ops.replica import REPLICA, ReportsReplicaRouter, reading_reports
from tests.portal.test_preflight import CLOSED, preflight, run

router = ReportsReplicaRouter()


def with_replica(settings_databases: dict) -> dict:
    return {**settings_databases, REPLICA: {**settings_databases["default"], "TEST": {"MIRROR": "default"}}}


def test_without_a_replica_every_read_goes_to_the_primary(settings):
    with reading_reports():
        assert router.db_for_read(object) is None
    assert router.db_for_write(object) == "default"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.django_db(transaction=True)  # outside the test case's own transaction
def test_with_a_replica_a_reports_reads_go_to_it_and_writes_and_transactions_stay_on_the_primary(settings):
    with override_settings(DATABASES=with_replica(settings.DATABASES)):
        assert router.db_for_read(object) is None  # not a report: the primary
        with reading_reports():
            assert router.db_for_read(object) == REPLICA
            assert router.db_for_write(object) == "default"
            with transaction.atomic():
                assert router.db_for_read(object) is None  # reads what the transaction wrote
        assert router.db_for_read(object) is None
    assert router.allow_migrate(REPLICA, "engine") is False and router.allow_migrate("default", "engine") is True


# Run in a process with production settings, a SQLite primary and a copy of it as the replica: the queries
# each database answered for a report page, and for the inbox.
PAGES = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

# Pages render without a collectstatic run.
override_settings(
    STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
).enable()
user = get_user_model().objects.get(username="hq")
client = Client()
client.force_login(user)
counts = {}
for page in ("/reports/", "/"):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(
        connections["reports_replica"]
    ) as replica:
        status = client.get(page).status_code
    counts[page] = {"status": status, "primary": len(primary), "replica": len(replica)}
print(json.dumps(counts))
"""

MAKE_HQ = """
from django.contrib.auth import get_user_model
from portal.crm.models import Role, Staff, StaffRole

user = get_user_model().objects.create_user("hq", password="pw-for-this-test")
StaffRole.objects.create(staff=Staff.objects.create(user=user), role=Role.HQ, group_wide=True)
"""


def test_a_report_page_reads_the_replica_and_the_inbox_the_primary(tmp_path):
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{primary}", "LOTFLOW_ALLOWED_HOSTS": "testserver"}
    migrated = run(tmp_path, sys.executable, "manage.py", "migrate", "--no-input", "-v", "0", timeout=300, **env)
    assert migrated.returncode == 0, migrated.stderr
    made = run(tmp_path, sys.executable, "manage.py", "shell", "-c", MAKE_HQ, **env)
    assert made.returncode == 0, made.stderr
    shutil.copyfile(primary, replica)  # what streaming replication keeps
    env["LOTFLOW_REPORTS_DATABASE_URL"] = f"sqlite:///{replica}"
    shown = run(tmp_path, sys.executable, "manage.py", "shell", "-c", PAGES, **env)
    assert shown.returncode == 0, shown.stderr
    counts = json.loads(shown.stdout.strip().splitlines()[-1])
    assert counts["/reports/"]["status"] == 200 and counts["/"]["status"] == 200
    assert counts["/reports/"]["replica"] > 3  # the report's figures
    assert counts["/reports/"]["primary"] >= 1  # the session and who is signed in: always the primary
    assert counts["/"]["replica"] == 0  # the inbox never reads the replica
    assert preflight(tmp_path, "--migrated", **env).returncode == 0  # both answer, on this release's schema


def test_an_unreachable_replica_stops_a_start_with_its_own_variable(tmp_path):
    result = preflight(tmp_path, LOTFLOW_REPORTS_DATABASE_URL=f"postgres://lotflow@{CLOSED}/replica")
    assert result.returncode == 1
    assert f"LOTFLOW_REPORTS_DATABASE_URL: the database postgresql://{CLOSED}/replica does not answer" in result.stderr
    assert "Traceback" not in result.stderr
