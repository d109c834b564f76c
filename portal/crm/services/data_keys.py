"""Key rotation: every sealed value, keyed hash and sealed scan moved to the current data key (portal.crm.crypto).

``manage.py rotate_data_key`` calls ``data_key_rotate``. The steps and their guarantees:

- rows are found by SQL (a value or hash that does not start with the current key's prefix), a batch at a time in
  id order, and rewritten through their models in one transaction per batch, under ``select_for_update`` so a
  concurrent edit of the same row waits instead of being overwritten with a value read before it: a row is
  therefore always wholly under one key, its sealed values and its hashes together;
- an interruption (a kill, an error) loses at most the batch in progress, which stays under the old key, readable
  while that key is in the ring; running the command again continues with what is left (done rows no longer
  match the search);
- scans are rewritten file by file with ``os.replace``, so a reader sees the old or the new file, both readable;
- it ends by counting what is left under another key: zero means the old keys may leave LOTFLOW_DATA_KEYS.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from .. import crypto
from ..history import SEALED_FIELDS, opened, sealed
from ..models import Appraisal, Attachment, ChangeRecord, Customer, CustomerPhone, LeadImport, LeadIntake
from ..search import DIGITS_MARK, customer_reindex
from .attachments import attachment_reseal, storage_dir
from .lead_import import IMPORT_PURPOSE

BATCH = 200


@dataclass
class RotationReport:
    key: str
    rewritten: dict[str, int] = field(default_factory=dict)
    left: int = 0

    @property
    def done(self) -> bool:
        return self.left == 0


def _stale(columns: list[tuple[str, str]]) -> tuple[str, list[Any]]:
    """SQL that is true when one of the columns is not empty and does not start with its prefix, and its
    parameters. SUBSTR rather than LIKE: the search index's keyed terms begin with %, a wildcard to LIKE."""
    parts, params = [], []
    for column, prefix in columns:
        parts.append(f"({column} IS NOT NULL AND {column} <> '' AND SUBSTR({column}, 1, {len(prefix)}) <> %s)")
        params.append(prefix)
    return "(" + " OR ".join(parts) + ")", params


def _targets(kid: str) -> list[tuple[type[Model], str, list[Any]]]:
    """Each rewritten model with the SQL condition that finds its rows not wholly under key ``kid``."""
    value, hashed = f"{crypto.TEXT_PREFIX}{kid}:", f"{kid}:"
    customer = _stale(
        [(name, value) for name in SAVE_FIELDS[Customer]] + [("id_number_hash", hashed), ("birthday_hash", hashed)]
    )
    phone = _stale([("number", value), ("number_hash", hashed)])
    history, params = _stale([("old_value", value), ("new_value", value)])
    names = sorted(SEALED_FIELDS)
    return [
        (Customer, *customer),
        (CustomerPhone, *phone),
        (LeadIntake, *_stale([("received", value)])),
        (Appraisal, *_stale([("seller_phone", value)])),
        (ChangeRecord, f"field IN ({', '.join(['%s'] * len(names))}) AND {history}", [*names, *params]),
        *((model, *_stale([(name, value) for name in fields])) for model, fields in REGISTERED.items()),
    ]


SAVE_FIELDS: dict[type[Model], list[str]] = {
    Customer: ["address", "birthday", "email", "id_number"],
    CustomerPhone: ["number"],
    LeadIntake: ["received"],
    Appraisal: ["seller_phone"],
}
# Models of the apps above the CRM whose rows hold sealed fields (portal.care's message log), registered by them.
REGISTERED: dict[type[Model], list[str]] = {}


def sealed_model_register(model: type[Model], fields: list[str]) -> None:
    """Have the rotation rewrite ``model``'s rows whose sealed ``fields`` (Encrypted*Field, named as their
    columns) are under another key than the current one."""
    REGISTERED[model] = list(fields)


def _terms_where(kid: str) -> tuple[str, list[Any]]:
    """Search terms of four digits (portal.crm.search.digits_term) keyed under another key than ``kid``."""
    mark = DIGITS_MARK + kid + ":"
    return f"SUBSTR(term, 1, 1) = %s AND SUBSTR(term, 1, {len(mark)}) <> %s", [DIGITS_MARK, mark]


def _ids(sql: str, params: list[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _batches(table: str, where: str, params: list[Any]) -> Iterator[list[int]]:
    """Ids of ``table``'s rows meeting ``where``, BATCH at a time in id order (plain SQL through Django's cursor;
    the caller rewrites each row under a row lock, so a row read here but changed since is read again there)."""
    after = 0
    sql = f"SELECT id FROM {table} WHERE id > %s AND {where} ORDER BY id LIMIT {BATCH}"
    while ids := _ids(sql, [after, *params]):
        yield ids
        after = ids[-1]


def _rewrite(row: Model) -> None:
    """The row saved anew: its sealed values under the current key, its hashes recomputed (model save hooks)."""
    if isinstance(row, ChangeRecord):
        ChangeRecord.objects.filter(pk=row.pk).update(
            old_value=sealed(row.field, opened(row.field, row.old_value)),
            new_value=sealed(row.field, opened(row.field, row.new_value)),
        )
    else:
        row.save(update_fields=SAVE_FIELDS.get(type(row)) or REGISTERED[type(row)])


def data_key_rotate(*, progress: Callable[[str, int], None] | None = None) -> RotationReport:
    """Move everything to the current key; ``progress(what, count)`` is called after each batch is committed,
    and with count 0 after each row inside a batch (a test raises there to interrupt a rotation half way)."""
    kid = crypto.current().kid
    report = RotationReport(kid)
    tell = progress or (lambda what, count: None)

    def counted(what: str, count: int) -> None:
        report.rewritten[what] = report.rewritten.get(what, 0) + count
        tell(what, count)

    for model, where, params in _targets(kid):
        name = model._meta.model_name or ""
        for ids in _batches(model._meta.db_table, where, params):
            with transaction.atomic():
                for row in model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk"):
                    _rewrite(row)
                    tell(name, 0)
            counted(name, len(ids))

    where, params = _terms_where(kid)
    sql = f"SELECT DISTINCT customer_id FROM crm_searchterm WHERE {where} ORDER BY customer_id LIMIT {BATCH}"
    while customers := _ids(sql, params):
        with transaction.atomic():
            list(Customer.objects.select_for_update().filter(pk__in=customers).values_list("pk", flat=True))
            customer_reindex(customers)
        counted("searchterm", len(customers))

    for attachment in Attachment.objects.order_by("pk").iterator(chunk_size=BATCH):
        if attachment_reseal(attachment):
            counted("attachment", 1)

    for pk in _waiting_imports(kid):  # lead files waiting for a worker (few: emptied when imported)
        with transaction.atomic():
            job = LeadImport.objects.select_for_update().get(pk=pk)
            if job.content:
                clear = crypto.open_bytes(bytes(job.content), IMPORT_PURPOSE)
                LeadImport.objects.filter(pk=pk).update(content=crypto.seal_bytes(clear, IMPORT_PURPOSE))
        counted("leadimport", 1)

    report.left = data_key_left(kid)
    return report


def _waiting_imports(kid: str) -> list[int]:
    """Lead imports whose stored file is not sealed under ``kid`` (read in Python: bytes, and only a few rows)."""
    return [
        pk
        for pk, content in LeadImport.objects.exclude(content=b"").values_list("pk", "content").iterator()
        if crypto.bytes_key_id(bytes(content)) != kid
    ]


def data_key_left(kid: str | None = None) -> int:
    """How many rows, customers' search terms and scans still hold something under another key than ``kid``
    (the current one): zero means the other keys may leave the ring."""
    kid = kid or crypto.current().kid
    left = 0
    with connection.cursor() as cursor:
        for model, where, params in _targets(kid):
            cursor.execute(f"SELECT COUNT(*) FROM {model._meta.db_table} WHERE {where}", params)
            left += cursor.fetchone()[0]
        where, params = _terms_where(kid)
        cursor.execute(f"SELECT COUNT(DISTINCT customer_id) FROM crm_searchterm WHERE {where}", params)
        left += cursor.fetchone()[0]
    left += len(_waiting_imports(kid))
    for name in Attachment.objects.order_by("pk").values_list("storage_name", flat=True).iterator(chunk_size=BATCH):
        path = storage_dir() / name
        if path.exists():
            with path.open("rb") as handle:
                if crypto.bytes_key_id(handle.read(64)) != kid:
                    left += 1
    return left
