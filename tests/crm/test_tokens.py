"""API keys are kept hashed (trust probe: tokens were stored in clear): the database holds a digest, the key
works, a forged or revoked key does not, keys issued before keep working after the migration."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from portal.crm import tokens
from portal.crm.models import ApiToken

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_key_is_stored_only_as_its_digest_and_works(crm_people):
    key = tokens.issue(crm_people["sales"])
    row = ApiToken.objects.get(user=crm_people["sales"])
    assert row.digest == hashlib.sha256(key.encode()).hexdigest() and key not in str(vars(row))
    assert _client(key).get("/api/v1/customers").status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None


def test_a_forged_or_revoked_key_is_refused(crm_people):
    key = tokens.issue(crm_people["sales"])
    assert _client(key[:-1] + ("A" if key[-1] != "A" else "B")).get("/api/v1/customers").status_code == 401
    call_command("api_token", "sales", "--revoke", stdout=io.StringIO())
    assert _client(key).get("/api/v1/customers").status_code == 401


def test_the_command_prints_a_new_key_once(crm_people, capsys):
    call_command("api_token", "sales")
    key = capsys.readouterr().out.strip()
    assert _client(key).get("/api/v1/customers").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_keys_issued_before_keep_working_after_the_migration(crm_people):
    executor = MigrationExecutor(connection)
    executor.migrate([("crm", "0007_reports_indexes")])
    old = executor.loader.project_state(
        [("crm", "0007_reports_indexes"), ("authtoken", "0004_alter_tokenproxy_options")]
    ).apps
    clear = "0123456789abcdef0123456789abcdef01234567"
    old.get_model("authtoken", "Token").objects.create(key=clear, user_id=crm_people["manager"].pk)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _client(clear).get("/api/v1/customers").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # no key left in clear
