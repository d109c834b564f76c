"""PostgreSQL's connection cut in the middle of a write: ``pg_terminate_backend`` from another connection, at a
statement inside the transaction, as a server restart or a failover does to a web process.

The person gets a clear message in their language (the item page with what they typed; the API a 503 with
Retry-After), nothing is half-applied (state, mirror and audit; the CRM's rows), and the next request works on a
new connection.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import close_old_connections, connection

from engine.models import AuditEvent, ItemStatus, ProcessInstance, WorkItem
from portal.crm.models import Communication, Customer
from tests.helpers import assert_round_trip, only_item
from tests.inbox.conftest import signed_in, text_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _terminate(pid: int) -> None:
    """End backend ``pid`` from a connection of our own, and wait until the server has ended it."""
    params = {k: v for k, v in connection.get_connection_params().items() if k in ("host", "port", "user", "dbname")}
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(500):
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            other.execute("SELECT pg_sleep(0.01)")
    raise AssertionError(f"backend {pid} still there")


@contextmanager
def cut_at(fragment: str) -> Iterator[list[str]]:
    """Terminate this process's backend the first time it is about to run a statement containing ``fragment``;
    yields the statements run before it (the proof that the cut landed inside the transaction)."""
    before: list[str] = []
    done = False

    def wrapper(execute, sql, params, many, context):
        nonlocal done
        if not done and fragment in sql.replace('"', ""):
            done = True
            assert context["connection"].in_atomic_block, "the cut must land inside the transaction"
            _terminate(context["connection"].connection.info.backend_pid)
        elif not done:
            before.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield before
    assert done, f"no statement with {fragment!r} ran"


def _snapshot(instance_id: int) -> tuple:
    row = ProcessInstance.objects.get(pk=instance_id)
    items = sorted(WorkItem.objects.filter(instance_id=instance_id).values_list("element_id", "status"))
    return row.version, row.state, items, AuditEvent.objects.filter(instance_id=instance_id).count()


def test_a_complete_cut_at_its_audit_row_saves_nothing_says_so_and_the_next_try_works(demo_contact, people):
    people["sales"].staff.language = "zh-hans"  # the person's saved language
    people["sales"].staff.save(update_fields=["language"])
    client = signed_in(people["sales"])
    instance = demo_contact.instance_id
    before = _snapshot(instance)
    post = {"outcome": "interested", "intent_level": "high"}

    with cut_at("INSERT INTO engine_auditevent") as ran:
        page = client.post(f"/items/{demo_contact.pk}/", post)
    assert any(
        "UPDATE" in sql for sql in ran
    )  # state and mirror were written (pipelined: WITH ... UPDATE), then the cut
    assert page.status_code == 200
    html = page.content.decode()
    assert "保存时与数据库的连接中断，未保存任何内容：请稍后重新提交。" in text_of(html)  # in the person's language
    assert re.search(r'value="high"[^>]*(checked|selected)', html)  # what was chosen is kept
    assert _snapshot(instance) == before  # state, items, audit: as before the attempt
    assert WorkItem.objects.get(pk=demo_contact.pk).status == ItemStatus.OPEN
    assert_round_trip(instance)

    again = client.post(f"/items/{demo_contact.pk}/", post, follow=True)
    assert again.status_code == 200
    assert WorkItem.objects.get(pk=demo_contact.pk).status == ItemStatus.DONE
    assert only_item(instance, "BookTestDrive").assignee_id == people["sales"].pk
    assert AuditEvent.objects.filter(work_item_id=demo_contact.pk, action="completed").count() == 1
    assert_round_trip(instance)


def test_an_api_write_cut_in_its_transaction_is_a_503_with_retry_after_and_saves_nothing(book, api):
    client = api("sales")
    post = {"customer": book["pool"].pk, "channel": "phone", "content": "hi", "outcome": "interested"}
    post["from_pool"] = True

    with cut_at("INSERT INTO crm_communication") as ran:
        answer = client.post("/api/v1/communications", post, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 503, answer.content
    assert int(answer["Retry-After"]) > 0
    assert answer.json()["detail"] == "保存时与数据库的连接中断；未保存任何内容。请稍后重试。"
    assert any(sql.startswith(("UPDATE", "INSERT")) for sql in ran)
    assert not Communication.objects.filter(customer=book["pool"]).exists()
    assert Customer.objects.get(pk=book["pool"].pk).owner_id is None

    again = client.post("/api/v1/communications", post, format="json")
    assert again.status_code == 201, again.content
    assert Communication.objects.filter(customer=book["pool"]).count() == 1


def test_a_connection_cut_between_requests_is_replaced_before_the_next_request_uses_it(people):
    """Persistent connections (CONN_MAX_AGE) are checked when a request first uses them (CONN_HEALTH_CHECKS): one
    cut while idle, by a server restart or a failover, would otherwise fail that request."""
    client = signed_in(people["sales"])
    assert client.get("/").status_code == 200
    connection.ensure_connection()
    _terminate(connection.connection.info.backend_pid)
    close_old_connections()  # what Django runs as each request starts (the test client leaves it out)
    assert client.get("/").status_code == 200
