"""The statements on the hot path of a step, as plain SQL on Django's connection.

Measured here (PITFALLS.md): the same five statements per completed task cost
about 3 ms through the ORM's query building and about 1 ms as plain SQL, and a
step's other costs are small beside that. Everything else in the engine uses
the ORM; only reading the work item, closing it, writing the state under its
version, opening the next items and writing the audit row live here. The SQL
is portable between SQLite and PostgreSQL.
"""

import json
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, DataError, connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models.base import ModelState
from psycopg.errors import DivisionByZero
from psycopg.pq import TransactionStatus

from . import jsontext
from .conf import setting
from .models import AuditEvent, Deployment, InstanceStatus, ItemStatus, ProcessInstance, Revision, WorkItem
from .permissions import GRANTS


def _quoted(column: str) -> str:
    return f'"{column}"'  # "values" is a keyword in both SQLite and PostgreSQL


_ITEM = WorkItem._meta.db_table
_INSTANCE = ProcessInstance._meta.db_table
_AUDIT = AuditEvent._meta.db_table
_DEPLOYMENT = Deployment._meta.db_table
_REVISION = Revision._meta.db_table

ITEM_FIELDS = (
    "id",
    "instance_id",
    "task_id",
    "element_id",
    "kind",
    "title",
    "process_id",
    "role",
    "store_id",
    "assignee_id",
    "claimed",
    "excluded",
    "form",
    "status",
    "completed_by_id",
)
HEAD_FIELDS = ("id", "uid", "version", "deployment_id", "callees", "status", "process_id", "business_key", "store_id")
_SELECT_ITEM = (
    f"SELECT {', '.join('w.' + f for f in ITEM_FIELDS)}, {', '.join('i.' + f for f in HEAD_FIELDS)}, "
    f"(SELECT value FROM {Revision._meta.db_table} WHERE name = '{GRANTS}') "
    f"FROM {_ITEM} w LEFT JOIN {_INSTANCE} i ON i.id = w.instance_id WHERE w.id = %s"
)
_NEW_ITEM_FIELDS = (
    "instance_id",
    "task_id",
    "element_id",
    "kind",
    "title",
    "process_id",
    "role",
    "store_id",
    "assignee_id",
    "claimed",
    "excluded",
    "form",
    "instructions",
    "values",
    "texts",
    "subject_label",
    "subject_ref",
    "due_at",
    "priority",
    "status",
    "created_at",
)
_INSERT_ITEM = (
    f"INSERT INTO {_ITEM} ({', '.join(_quoted(f) for f in _NEW_ITEM_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_NEW_ITEM_FIELDS))})"
)
_AUDIT_FIELDS = ("instance_id", "work_item_id", "process_id", "element_id", "action", "actor_id", "at", "data")
_INSERT_AUDIT = f"INSERT INTO {_AUDIT} ({', '.join(_AUDIT_FIELDS)}) VALUES ({', '.join(['%s'] * 8)})"


@cache
def _on_sqlite() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "sqlite"


def _cursor() -> Any:
    """A cursor (a context manager) that takes ``%s`` placeholders on either database.

    On SQLite it is the driver's own cursor: Django's wrapper (placeholder
    rewriting, error wrapping) costs about 20 µs a statement, a sixth of a
    step here. On PostgreSQL it is psycopg's own cursor with server-side
    binding, whose statements are prepared (``_PreparingCursor``). Either runs
    on Django's connection, inside Django's transaction; Django's wrapper is
    put back while something watches the statements (a query capture, an
    execute wrapper), so that they see these too.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if _on_sqlite():
        if db.connection is None:
            db.ensure_connection()
        return _QmarkCursor(db.connection.cursor())
    # What Django's own cursor() does first: replace a connection that failed its health check.
    db.close_if_health_check_failed()
    if db.connection is None:
        db.ensure_connection()
    raw = _PreparingCursor(db.connection)
    if db.queries_logged:
        raw.prepare = False  # a query capture reads the statement's text, which a prepared one does not carry
        return CursorDebugWrapper(raw, db)
    raw.prepare = _preparing(db.connection)
    if db.execute_wrappers:
        return CursorWrapper(raw, db)
    return _ErrorsWrapped(raw, db)


def _preparing(conn: Any) -> bool:
    """Whether the hot path's statements are prepared on this connection (``PREPARED_STATEMENTS``)."""
    if not setting("PREPARED_STATEMENTS", True):
        return False
    if conn.prepare_threshold is None:
        # Django's default: psycopg then prepares nothing, even when asked. A count never
        # reached lets it prepare what is asked for, and nothing else by its count.
        conn.prepare_threshold = _NEVER
    return True


_NEVER = 1 << 30


class _PreparingCursor(psycopg.Cursor):
    """psycopg's cursor with server-side binding, preparing the statements it runs (``prepare``).

    Django's own cursor binds the values into the statement's text on the client
    (quoting each, the state included), and PostgreSQL parses and plans each
    text anew. A prepared statement is parsed and planned once per connection,
    and its values travel apart from it: measured here, this halves the client's
    CPU of a step's statements. The statements here name their columns (never
    ``*``), so that a migration that adds a column leaves their prepared plans
    valid (PostgreSQL replans them). A pool in transaction mode that does not
    keep prepared statements (PgBouncer before 1.21) needs ``PREPARED_STATEMENTS``
    off.
    """

    prepare = True

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=self.prepare if prepare is None else prepare, binary=binary)


class _ErrorsWrapped:
    """A psycopg cursor whose errors are Django's (as Django's cursor wrapper raises them)."""

    def __init__(self, raw: Any, db: Any):
        self._raw, self._db = raw, db

    def __enter__(self) -> "_ErrorsWrapped":
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def close(self) -> None:
        self._raw.close()

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        with self._db.wrap_database_errors:
            self._raw.execute(statement, params)

    def fetchone(self) -> Any:
        with self._db.wrap_database_errors:
            return self._raw.fetchone()

    @property
    def rowcount(self) -> int:
        return self._raw.rowcount


class _QmarkCursor:
    def __init__(self, raw: Any):
        self._raw = raw

    def __enter__(self) -> "_QmarkCursor":
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def close(self) -> None:
        self._raw.close()

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        query = _QMARK.get(statement)
        if query is None:
            query = _QMARK[statement] = statement.replace("%s", "?")
        self._raw.execute(query, params)

    def fetchone(self) -> Any:
        return self._raw.fetchone()

    @property
    def lastrowid(self) -> int:
        return self._raw.lastrowid

    @property
    def rowcount(self) -> int:
        return self._raw.rowcount


_QMARK: dict[str, str] = {}


def _insert(statement: str, params: Sequence[Any]) -> int:
    """Run an INSERT and return the new row's id (SQLite's RETURNING costs more than its lastrowid)."""
    with _cursor() as cursor:
        if _on_sqlite():
            cursor.execute(statement, params)
            return cursor.lastrowid
        cursor.execute(statement + " RETURNING id", params)
        return cursor.fetchone()[0]


_EMPTY_JSON = {"[]": list, "{}": dict}


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    empty = _EMPTY_JSON.get(value)
    return empty() if empty is not None else json.loads(value)


def _when(value: datetime | None) -> Any:
    """A datetime as the database takes it; SQLite's text form for UTC, the clock's zone,
    is written directly (Django's adapter costs a few µs a value)."""
    if value is None or not _on_sqlite():
        return value
    if value.tzinfo is UTC:
        return str(value.replace(tzinfo=None))
    return connections[DEFAULT_DB_ALIAS].ops.adapt_datetimefield_value(value)


def _instance(model: Any, values: dict[str, Any]) -> Any:
    """A model instance from a row, as Django's from_db would make it, without the cost of
    __init__ (which resolves every field's default; measured at a tenth of a step)."""
    obj = model.__new__(model)
    obj.__dict__.update(values)
    obj._state = ModelState()
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return obj


def fetch_item(item_id: int) -> tuple[WorkItem | None, int | None]:
    """The work item with its instance's head (no state), or None; and the grants revision."""
    with _cursor() as cursor:
        cursor.execute(_SELECT_ITEM, [item_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    item_values = dict(zip(ITEM_FIELDS, row[: len(ITEM_FIELDS)], strict=True))
    item_values["excluded"] = _json(item_values["excluded"]) or []
    item_values["claimed"] = bool(item_values["claimed"])
    item = _instance(WorkItem, item_values)
    head = dict(zip(HEAD_FIELDS, row[len(ITEM_FIELDS) : -1], strict=True))
    if head["id"] is not None:
        head["uid"] = head["uid"] if isinstance(head["uid"], uuid.UUID) else uuid.UUID(head["uid"])
        head["callees"] = _json(head["callees"]) or {}
        # As select_related does: into the relation's cache, not through its descriptor's checks.
        item._state.fields_cache = {"instance": _instance(ProcessInstance, head)}
    return item, row[-1]


def known_item(item_id: int, values: dict[str, Any], row: ProcessInstance) -> WorkItem:
    """The open work item ``item_id`` as this process wrote it (``values``, a row of
    ``insert_item``), with its instance ``row``: what ``fetch_item`` would read while nothing
    changed it. A write that relies on it must check that nothing did (``write_step``)."""
    item_values = {name: values.get(name) for name in ITEM_FIELDS}
    item_values["id"] = item_id
    item_values["excluded"] = list(values.get("excluded") or [])
    item_values["claimed"] = bool(values.get("claimed"))
    item = _instance(WorkItem, item_values)
    item._state.fields_cache = {"instance": row}
    return item


class _Step(threading.local):
    pipeline: Any = None


_step = _Step()
IDLE = TransactionStatus.IDLE


class RowMoved(Exception):
    """A pipelined step's guarded UPDATE found its row changed (the state's version moved, or
    the item was no longer open): nothing of the step was written; read again and retry."""


@contextmanager
def step_transaction() -> Iterator[None]:
    """``transaction.atomic()`` for the writes of one step; on PostgreSQL, pipelined.

    On PostgreSQL (in a transaction of its own, not inside another's) the
    statements go through psycopg's pipeline: BEGIN, the step's writes and
    COMMIT are sent together, and the client waits once, for all of them. The
    guarded UPDATEs check their own row count in the database (``_written``), so
    that a changed row fails the transaction instead of letting COMMIT through:
    ``RowMoved`` then says to read again and retry. Any other error of a
    statement is raised as a Django database error, and nothing is written.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if _on_sqlite() or db.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        db.ensure_connection()
        raw = db.connection
        # psycopg would send its own BEGIN and wait for it (a pipeline syncs after it); with
        # the driver in autocommit, this BEGIN goes with the writes and nothing waits.
        raw.autocommit = True
        try:
            with db.wrap_database_errors, raw.pipeline() as pipeline:
                _step.pipeline = pipeline
                raw.execute("BEGIN")
                try:
                    yield
                    # Sent with the writes at the pipeline's closing sync; atomic()'s own
                    # commit then finds the transaction over and sends nothing.
                    raw.execute("COMMIT")
                finally:
                    _step.pipeline = None
        except DataError as err:
            if isinstance(err.__cause__, DivisionByZero):
                raise RowMoved() from err
            raise
        finally:
            if not raw.closed and raw.pgconn.transaction_status != IDLE:
                with db.wrap_database_errors:
                    raw.execute("ROLLBACK")
            if not raw.closed:
                raw.autocommit = False


def _written(statement: str, params: Sequence[Any]) -> bool:
    """Run an UPDATE of one row under a condition; whether it changed the row.

    In a pipelined step the answer is not waited for: the statement divides by
    the number of rows it changed, so that none fails the step (RowMoved).
    """
    with _cursor() as cursor:
        if _step.pipeline is not None:
            cursor.execute(f"WITH changed AS ({statement} RETURNING 1) SELECT 1 / count(*) FROM changed", params)
            return True
        cursor.execute(statement, params)
        return cursor.rowcount == 1


def close_item(item_id: int, *, user_id: int, result: dict, at: datetime, assignee_id: int | None) -> bool:
    """Open -> done, if it is still open with the assignee it was checked with (``assignee_id``);
    false if not (someone else closed it first, or claimed it, or it was handed on)."""
    statement, params = _close(item_id, user_id, result, at, assignee_id)
    return _written(statement, params)


def _close(item_id: int, user_id: int, result: dict, at: datetime, assignee_id: int | None) -> tuple[str, list]:
    """The UPDATE of ``close_item``, and its values."""
    same_assignee = "assignee_id IS NULL" if assignee_id is None else "assignee_id = %s"
    statement = (
        f"UPDATE {_ITEM} SET status = %s, completed_at = %s, completed_by_id = %s, result = %s, "
        f"assignee_id = %s WHERE id = %s AND status = %s AND {same_assignee}"
    )
    params = [ItemStatus.DONE, _when(at), user_id, jsontext.dumps(result), assignee_id or user_id, item_id]
    params.append(ItemStatus.OPEN)
    if assignee_id is not None:
        params.append(assignee_id)
    return statement, params


STATE_BLOCK = 1024


def _stored(state: str) -> str:
    """The state as SQLite stores it: padded with spaces to a whole number of 1 KB blocks.

    A state is larger than a page, so most of it lives in overflow pages. A row whose
    size changes is rewritten by freeing its overflow pages and allocating new ones,
    which also rewrites the free list and the database header: three pages more at
    each step's commit. A row of the same size is overwritten in place, and a state
    keeps its padded size for several steps. JSON readers ignore the trailing spaces.
    """
    return state + " " * (-len(state) % STATE_BLOCK) if _on_sqlite() else state


def write_state(
    instance_id: int, *, version: int, state: str, at: datetime, ended: tuple[str, datetime | None, str] | None = None
) -> bool:
    """Store the new state only if nobody stored another since ``version`` was read.

    ``ended`` is (status, ended at, reason) when the status changes: the status is
    indexed, and setting a column, even to its old value, rewrites its index entries.
    """
    assignments, params = "state = %s, version = %s, updated_at = %s", [_stored(state), version + 1, _when(at)]
    if ended is not None:
        assignments += ", status = %s, ended_at = %s, end_reason = %s"
        params += [ended[0], _when(ended[1]), ended[2]]
    return _written(
        f"UPDATE {_INSTANCE} SET {assignments} WHERE id = %s AND version = %s", [*params, instance_id, version]
    )


def cancel_items(instance_id: int, task_ids: Sequence[str]) -> None:
    placeholders = ", ".join(["%s"] * len(task_ids))
    with _cursor() as cursor:
        cursor.execute(
            f"UPDATE {_ITEM} SET status = %s WHERE instance_id = %s AND status = %s AND task_id IN ({placeholders})",
            [ItemStatus.CANCELLED, instance_id, ItemStatus.OPEN, *task_ids],
        )


def _item_params(values: dict[str, Any]) -> list[Any]:
    params = []
    for name in _NEW_ITEM_FIELDS:
        value = values.get(name)
        if name in ("excluded", "values", "texts"):
            value = jsontext.dumps(value if value is not None else ([] if name == "excluded" else {}))
        elif name in ("due_at", "created_at"):
            value = _when(value)
        params.append(value)
    return params


def insert_item(values: dict[str, Any]) -> int:
    return _insert(_INSERT_ITEM, _item_params(values))


def insert_items_and_audit(
    items: list[dict[str, Any]], audit: dict[str, Any], *, list_opened: bool = True
) -> Callable[[], list[int]]:
    """Open ``items`` and write the ``audit`` row, whose data lists the opened items' ids
    under "opened" if ``list_opened``; returns what tells those ids (once a pipelined
    step has committed).

    In a pipelined step this is one statement, whose ids come back with the COMMIT.
    """
    if _step.pipeline is None or not items:
        ids = [insert_item(values) for values in items]
        insert_audit(**({**audit, "data": {**audit["data"], "opened": ids}} if list_opened else audit))
        return lambda: ids
    ids_json = "(SELECT jsonb_agg(id ORDER BY id) FROM opened)"
    data = f"%s::jsonb || jsonb_build_object('opened', {ids_json})" if list_opened else "%s::jsonb"
    row = f"({', '.join(['%s'] * len(_NEW_ITEM_FIELDS))})"
    params = [value for values in items for value in _item_params(values)]
    params += [audit[name] for name in ("instance_id", "item_id", "process_id", "element_id", "action", "actor_id")]
    params += [_when(audit["at"]), jsontext.dumps(audit["data"])]
    cursor = _cursor()
    cursor.execute(
        f"WITH opened AS (INSERT INTO {_ITEM} ({', '.join(_quoted(f) for f in _NEW_ITEM_FIELDS)}) "
        f"VALUES {', '.join([row] * len(items))} RETURNING id) "
        f"INSERT INTO {_AUDIT} ({', '.join(_AUDIT_FIELDS)}) VALUES ({', '.join(['%s'] * 7)}, {data}) "
        f"RETURNING {ids_json}",
        params,
    )

    def opened() -> list[int]:
        try:
            return list(_json(cursor.fetchone()[0]))
        finally:
            cursor.close()

    return opened


def one_statement() -> bool:
    """Whether a step's writes may go as one statement (``write_step``): on PostgreSQL, in no
    caller's transaction (a statement outside a transaction is a transaction of its own)."""
    return not _on_sqlite() and not connections[DEFAULT_DB_ALIAS].in_atomic_block


def write_step(
    *,
    audit: dict[str, Any],
    items: list[dict[str, Any]],
    state: tuple[int, int, str, datetime, tuple[str, datetime | None, str] | None] | None = None,
    close: tuple[int, int, dict, datetime, int | None] | None = None,
    grants: int | None = None,
    instance: ProcessInstance | None = None,
) -> list[int]:
    """A step's writes as one statement, which PostgreSQL runs as one transaction; the ids of
    the items it opened. Only where ``one_statement()`` says so.

    Its parts are data-modifying WITH queries: close the item ``close`` names (id, user id,
    result, at, assignee id) if it is still open with that assignee (``close_item``), and,
    given ``grants`` (a revision), only while the grants revision is still that one; write
    the ``state`` (instance id, the version
    read, state, at, ``ended`` as in ``write_state``) only if nobody wrote another since; or
    insert the new ``instance``; open ``items``; write the ``audit`` row, whose data lists the
    opened items' ids under "opened" when the step closes an item. The guarded parts divide by
    the rows they changed: when either found its row moved, the statement fails and writes
    nothing (``RowMoved``: read again and retry). One statement is also one message to the
    server and one answer, which costs the client half the CPU of a pipeline of BEGIN, three
    statements and COMMIT.
    """
    parts: list[str] = []
    params: list[Any] = []
    guards: list[str] = []
    if close is not None:
        statement, values = _close(*close)
        parts.append(f"closed AS ({statement} RETURNING 1)")
        params += values
        guards.append("1 / (SELECT count(*) FROM closed)")
    if grants is not None:
        # The grants the person was checked with are still those in force.
        guards.append(f"1 / (SELECT count(*) FROM {_REVISION} WHERE name = '{GRANTS}' AND value = %s)")
    if state is not None:
        instance_id, version, text, at, ended = state
        assignments, values = "state = %s, version = %s, updated_at = %s", [text, version + 1, at]
        if ended is not None:
            assignments += ", status = %s, ended_at = %s, end_reason = %s"
            values += list(ended)
        parts.append(f"written AS (UPDATE {_INSTANCE} SET {assignments} WHERE id = %s AND version = %s RETURNING 1)")
        params += [*values, instance_id, version]
        guards.append("1 / (SELECT count(*) FROM written)")
    if instance is not None:
        parts.append(
            f"started AS (INSERT INTO {_INSTANCE} (id, {', '.join(_INSTANCE_FIELDS)}) "
            f"VALUES ({', '.join(['%s'] * (len(_INSTANCE_FIELDS) + 1))}))"
        )
        params += [instance.pk, *_instance_params(instance)]
    ids_json = "NULL::jsonb"
    data = "%s::jsonb"
    if items:
        row = f"({', '.join(['%s'] * len(_NEW_ITEM_FIELDS))})"
        parts.append(
            f"opened AS (INSERT INTO {_ITEM} ({', '.join(_quoted(f) for f in _NEW_ITEM_FIELDS)}) "
            f"VALUES {', '.join([row] * len(items))} RETURNING id)"
        )
        params += [value for values in items for value in _item_params(values)]
        ids_json = "(SELECT jsonb_agg(id ORDER BY id) FROM opened)"
        if close is not None:
            data = f"%s::jsonb || jsonb_build_object('opened', {ids_json})"
    audit_data = audit["data"] if items or close is None else {**audit["data"], "opened": []}
    parts.append(
        f"audited AS (INSERT INTO {_AUDIT} ({', '.join(_AUDIT_FIELDS)}) VALUES ({', '.join(['%s'] * 7)}, {data}))"
    )
    params += [audit[name] for name in ("instance_id", "item_id", "process_id", "element_id", "action", "actor_id")]
    params += [audit["at"], jsontext.dumps(audit_data)]
    if grants is not None:
        params.append(grants)
    with _cursor() as cursor:
        try:
            cursor.execute(f"WITH {', '.join(parts)} SELECT {', '.join([ids_json, *guards])}", params)
        except DataError as err:
            if isinstance(err.__cause__, DivisionByZero):
                raise RowMoved() from err
            raise
        return list(_json(cursor.fetchone()[0]) or [])


def insert_audit(
    *,
    instance_id: int | None,
    item_id: int | None,
    process_id: str,
    element_id: str,
    action: str,
    actor_id: int | None,
    at: datetime,
    data: dict,
) -> None:
    with _cursor() as cursor:
        cursor.execute(
            _INSERT_AUDIT,
            [instance_id, item_id, process_id, element_id, action, actor_id, _when(at), jsontext.dumps(data)],
        )


_KEYED_ITEM_FIELDS = (*_NEW_ITEM_FIELDS, "key")
# Rows per statement on SQLite: 22 values a row stays under its 32,766 variables.
_KEYED_CHUNK = 500


def insert_keyed_items(items: list[dict[str, Any]], *, actor_id: int | None, at: datetime) -> list[int]:
    """Insert standalone items (every column of ``_KEYED_ITEM_FIELDS`` given, a distinct ``key``
    each) and a "created" audit row for each one inserted; the ids of those inserted. An item
    whose key exists already is skipped by the database (ON CONFLICT DO NOTHING on the unique
    key): another worker inserting the same key meanwhile is not an error, and its row is not
    counted or audited here.

    A few statements for the whole batch, where the ORM's bulk_create built a model instance
    per row and cost most of a sweep's time. The caller runs it inside ``atomic()``, so items
    and audit rows are written together or not at all.
    """
    if _on_sqlite():
        return _insert_keyed_sqlite(items, actor_id=actor_id, at=at)
    return _insert_keyed_postgres(items, actor_id=actor_id, at=at)


def _insert_keyed_sqlite(items: list[dict[str, Any]], *, actor_id: int | None, at: datetime) -> list[int]:
    """Per chunk of rows, one multi-row INSERT of the items that returns the ids and keys of the
    rows it made and one of their audit rows, on the driver's cursor (it takes "?" as written)."""
    db = connections[DEFAULT_DB_ALIAS]
    item_row = f"({', '.join(['?'] * len(_KEYED_ITEM_FIELDS))})"
    audit_row = f"({', '.join(['?'] * len(_AUDIT_FIELDS))})"
    when = _when(at)
    inserted: list[int] = []
    db.ensure_connection()
    cursor = db.connection.cursor()
    try:
        for start in range(0, len(items), _KEYED_CHUNK):
            chunk = items[start : start + _KEYED_CHUNK]
            params = [value for values in chunk for value in (*_item_params(values), values["key"])]
            cursor.execute(
                f"INSERT INTO {_ITEM} ({', '.join(_quoted(f) for f in _KEYED_ITEM_FIELDS)}) "
                f"VALUES {', '.join([item_row] * len(chunk))} ON CONFLICT DO NOTHING RETURNING id, {_quoted('key')}",
                params,
            )
            made = cursor.fetchall()
            if not made:
                continue
            kinds = {values["key"]: values["kind"] for values in chunk}
            audit = []
            for item_id, key in made:
                audit += [
                    None,
                    item_id,
                    "",
                    "",
                    "created",
                    actor_id,
                    when,
                    jsontext.dumps({"kind": kinds[key], "key": key}),
                ]
            cursor.execute(
                f"INSERT INTO {_AUDIT} ({', '.join(_AUDIT_FIELDS)}) VALUES {', '.join([audit_row] * len(made))}",
                audit,
            )
            inserted += [item_id for item_id, _key in made]
    finally:
        cursor.close()
    return inserted


@cache
def _item_types() -> tuple[str, ...]:
    """The PostgreSQL types of the columns of ``_KEYED_ITEM_FIELDS`` (``varchar(300)``, ``jsonb``, ...)."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = {f.column: f for f in WorkItem._meta.concrete_fields}
    return tuple(str(fields[name].db_type(db)) for name in _KEYED_ITEM_FIELDS)


def _insert_keyed_postgres(items: list[dict[str, Any]], *, actor_id: int | None, at: datetime) -> list[int]:
    """One statement: the items' columns as arrays (one parameter a column, whatever the number of
    rows), unnested into the work item table, and their audit rows from what that INSERT returned.

    It runs on a server-binding cursor of Django's connection (inside Django's transaction, its
    errors wrapped as Django's): Django's client-side binding renders every value into the SQL
    text in Python, which for a many-row VALUES list cost more than the rest of the sweep. The
    arrays go in binary (``%b``): psycopg's text form escapes each string with a regular
    expression, five times the CPU of the binary form here.
    """
    db = connections[DEFAULT_DB_ALIAS]
    columns = [list(column) for column in zip(*(_item_params(values) for values in items), strict=True)]
    columns.append([values["key"] for values in items])
    arrays = ", ".join(f"%b::{kind}[]" for kind in _item_types())
    statement = (
        f"WITH made AS (INSERT INTO {_ITEM} ({', '.join(_quoted(f) for f in _KEYED_ITEM_FIELDS)}) "
        f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING RETURNING id, kind, {_quoted('key')}) "
        f"INSERT INTO {_AUDIT} ({', '.join(_AUDIT_FIELDS)}) "
        f"SELECT NULL, id, '', '', 'created', %s::bigint, %s::timestamptz, "
        f"jsonb_build_object('kind', kind, 'key', {_quoted('key')}) FROM made RETURNING work_item_id"
    )
    db.ensure_connection()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(statement, [*columns, actor_id, at])
        return [row[0] for row in cursor.fetchall()]


_INSTANCE_FIELDS = (
    "uid",
    "deployment_id",
    "process_id",
    "business_key",
    "store_id",
    "status",
    "state",
    "serializer_version",
    "version",
    "callees",
    "started_by_id",
    "started_at",
    "updated_at",
    "ended_at",
    "end_reason",
)
_INSERT_INSTANCE = (
    f"INSERT INTO {_INSTANCE} ({', '.join(_INSTANCE_FIELDS)}) VALUES ({', '.join(['%s'] * len(_INSTANCE_FIELDS))})"
)
_INSERT_INSTANCE_WITH_ID = (
    f"INSERT INTO {_INSTANCE} (id, {', '.join(_INSTANCE_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * (len(_INSTANCE_FIELDS) + 1))})"
)


def latest_deployment(process_id: str) -> tuple[int, int, list[str], int | None] | None:
    """(id, version, called process ids, a new instance's id) of the live version of a process.

    On PostgreSQL the new instance's id is taken from its sequence in the same
    statement, so that a pipelined start need not wait for the instance's INSERT
    to open its first items; elsewhere it is None (the INSERT tells it).
    """
    reserve = "" if _on_sqlite() else f", nextval(pg_get_serial_sequence('{_INSTANCE}', 'id'))"
    with _cursor() as cursor:
        cursor.execute(
            f"SELECT id, version, called_processes{reserve} FROM {_DEPLOYMENT} WHERE process_id = %s "
            f"ORDER BY version DESC LIMIT 1",
            [process_id],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], _json(row[2]) or [], None if _on_sqlite() else row[3])


def new_instance(**values: Any) -> ProcessInstance:
    """An unsaved instance row with these values and the defaults of the rest (without
    the cost of the model's __init__); ``insert_instance`` saves it."""
    return _instance(
        ProcessInstance,
        {"id": None, "status": InstanceStatus.RUNNING, "state": "", "ended_at": None, "end_reason": "", **values},
    )


def insert_instance(row: ProcessInstance) -> int:
    """Insert ``row``; its id, given (``latest_deployment`` reserved it) or made by the database."""
    if row.pk is not None:
        with _cursor() as cursor:
            cursor.execute(_INSERT_INSTANCE_WITH_ID, [row.pk, *_instance_params(row)])
        return row.pk
    return _insert(_INSERT_INSTANCE, _instance_params(row))


def _instance_params(row: ProcessInstance) -> list[Any]:
    params = []
    for name in _INSTANCE_FIELDS:
        value = getattr(row, name)
        if name == "uid":
            value = value.hex if _on_sqlite() else value
        elif name == "callees":
            value = jsontext.dumps(value)
        elif name == "state":
            value = _stored(value)
        elif name in ("started_at", "updated_at", "ended_at"):
            value = _when(value)
        params.append(value)
    return params


def checkpoint_wal() -> bool:
    """Copy SQLite's write-ahead log into the database without blocking writers; a no-op elsewhere."""
    if not _on_sqlite():
        return False
    with _cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return True
