"""Personal data sealed at rest (issue 22): the columns become text, the clear values in them are sealed under the
current data key, the phone hashes are recomputed under the data key ring (they were under a key of their own),
the ID numbers and birthdays get their keyed hashes, the search index's four-digit terms become keyed terms, the
personal values of the change history and the scans on disk are sealed. Backwards, everything is opened again.

The values are moved with SQL through Django's cursor, not through the models, so that what this migration does
does not depend on how the fields read and write later.
"""

import re
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import portal.crm.models.encrypted
from portal.crm import crypto

BATCH = 500
# (table, column, purpose): the purposes are the fields' own (EncryptedMixin.purpose).
COLUMNS = [
    ("crm_customer", "address", "crm.customer.address"),
    ("crm_customer", "birthday", "crm.customer.birthday"),
    ("crm_customer", "email", "crm.customer.email"),
    ("crm_customer", "id_number", "crm.customer.id_number"),
    ("crm_customerphone", "number", "crm.customerphone.number"),
    ("crm_leadintake", "received", "crm.leadintake.received"),
    ("crm_appraisal", "seller_phone", "crm.appraisal.seller_phone"),
]
HISTORY_FIELDS = ["id_number", "birthday", "phones", "email", "address"]  # portal.crm.history.SEALED_FIELDS
FOUR_DIGITS = re.compile(r"^#\d{4}$")


def _rows(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _convert(cursor, table, column, change, *, sealed):
    """Rewrite each non-empty value of the column with ``change``, in batches by id."""
    last = 0
    test = "LIKE" if sealed else "NOT LIKE"
    while True:
        rows = _rows(
            cursor,
            f"SELECT id, {column} FROM {table} WHERE id > %s AND {column} <> '' AND {column} {test} %s "
            f"ORDER BY id LIMIT {BATCH}",
            [last, crypto.TEXT_PREFIX + "%"],
        )
        if not rows:
            return
        for pk, value in rows:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [change(str(value)), pk])
        last = rows[-1][0]


def _hashes(cursor):
    from portal.crm.identifiers import birthday_hash, id_number_hash, phone_hash

    import datetime

    for pk, number in _rows(cursor, "SELECT id, number FROM crm_customerphone"):
        clear = crypto.open_text(number, "crm.customerphone.number")
        cursor.execute("UPDATE crm_customerphone SET number_hash = %s WHERE id = %s", [phone_hash(clear), pk])
    for pk, id_number, birthday in _rows(cursor, "SELECT id, id_number, birthday FROM crm_customer"):
        id_clear = crypto.open_text(id_number or "", "crm.customer.id_number")
        day = crypto.open_text(str(birthday or ""), "crm.customer.birthday")
        cursor.execute(
            "UPDATE crm_customer SET id_number_hash = %s, birthday_hash = %s WHERE id = %s",
            [
                id_number_hash(id_clear) if id_clear else "",
                birthday_hash(datetime.date.fromisoformat(day[:10])) if day else "",
                pk,
            ],
        )


def _digit_terms(cursor, *, keyed):
    """The search index's terms of four digits: the last four of each phone and the all-digit pieces of plates."""
    from portal.crm.identifiers import plate_normalize

    def term(digits):
        return "%" + crypto.keyed_hash("digits", digits, length=24) if keyed else "#" + digits

    stale = [
        pk
        for pk, value in _rows(
            cursor, "SELECT id, term FROM crm_searchterm WHERE SUBSTR(term, 1, 1) IN (%s, %s)", ["#", "%"]
        )
        if FOUR_DIGITS.match(value) or value.startswith("%")
    ]
    for start in range(0, len(stale), BATCH):
        chunk = stale[start : start + BATCH]
        cursor.execute(f"DELETE FROM crm_searchterm WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
    wanted = set()
    for customer_id, number in _rows(cursor, "SELECT customer_id, number FROM crm_customerphone"):
        wanted.add((customer_id, term(crypto.open_text(number, "crm.customerphone.number")[-4:])))
    for customer_id, plate in _rows(cursor, "SELECT customer_id, plate FROM crm_vehicle WHERE customer_id IS NOT NULL"):
        plate = plate_normalize(plate or "")
        for i in range(len(plate) - 3):
            if plate[i : i + 4].isdigit():
                wanted.add((customer_id, term(plate[i : i + 4])))
    for customer_id, value in sorted(wanted):
        cursor.execute("INSERT INTO crm_searchterm (customer_id, term) VALUES (%s, %s)", [customer_id, value])


def _scans(cursor, *, seal):
    folder = Path(settings.LOTFLOW_ATTACHMENT_DIR)
    for (name,) in _rows(cursor, "SELECT storage_name FROM crm_attachment"):
        path = folder / name
        if not path.exists():
            continue
        data = path.read_bytes()
        purpose = f"crm.attachment:{name}"
        if seal == (crypto.bytes_key_id(data) is None):
            changed = crypto.seal_bytes(data, purpose) if seal else crypto.open_bytes(data, purpose)
            fresh = path.with_name(name + ".convert")
            fresh.write_bytes(changed)
            fresh.replace(path)


def _checks_now(cursor, connection):
    """PostgreSQL: foreign keys checked at each statement, not at commit, so that the column dropped after the
    updates does not meet their pending checks ("cannot ALTER TABLE ... pending trigger events")."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _checks_now(cursor, schema_editor.connection)
        for table, column, purpose in COLUMNS:
            _convert(cursor, table, column, lambda value, p=purpose: crypto.seal_text(value, p), sealed=False)
        for field in HISTORY_FIELDS:
            for column in ("old_value", "new_value"):
                _convert_history(cursor, field, column, seal=True)
        _hashes(cursor)
        _digit_terms(cursor, keyed=True)
        _scans(cursor, seal=True)


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _checks_now(cursor, schema_editor.connection)
        for table, column, purpose in COLUMNS:
            _convert(cursor, table, column, lambda value, p=purpose: crypto.open_text(value, p), sealed=True)
        for field in HISTORY_FIELDS:
            for column in ("old_value", "new_value"):
                _convert_history(cursor, field, column, seal=False)
        for pk, number in _rows(cursor, "SELECT id, number FROM crm_customerphone"):
            cursor.execute("UPDATE crm_customerphone SET last4 = %s WHERE id = %s", [number[-4:], pk])
        _digit_terms(cursor, keyed=False)
        _scans(cursor, seal=False)


def _convert_history(cursor, field, column, *, seal):
    purpose = f"crm.changerecord.{field}"
    test = "NOT LIKE" if seal else "LIKE"
    change = (lambda v: crypto.seal_text(v, purpose)) if seal else (lambda v: crypto.open_text(v, purpose))
    last = 0
    while True:
        rows = _rows(
            cursor,
            f"SELECT id, {column} FROM crm_changerecord WHERE id > %s AND field = %s AND {column} <> '' "
            f"AND {column} {test} %s ORDER BY id LIMIT {BATCH}",
            [last, field, crypto.TEXT_PREFIX + "%"],
        )
        if not rows:
            return
        for pk, value in rows:
            cursor.execute(f"UPDATE crm_changerecord SET {column} = %s WHERE id = %s", [change(value), pk])
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0008_api_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="birthday_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="customer",
            name="id_number_hash",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="customer",
            name="address",
            field=portal.crm.models.encrypted.EncryptedCharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="customer",
            name="birthday",
            field=portal.crm.models.encrypted.EncryptedDateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=portal.crm.models.encrypted.EncryptedEmailField(blank=True, max_length=254),
        ),
        migrations.AlterField(
            model_name="customer",
            name="id_number",
            field=portal.crm.models.encrypted.EncryptedCharField(blank=True, max_length=30, verbose_name="ID number"),
        ),
        migrations.AlterField(
            model_name="customerphone",
            name="number",
            field=portal.crm.models.encrypted.EncryptedCharField(max_length=20),
        ),
        migrations.AlterField(
            model_name="leadintake",
            name="received",
            field=portal.crm.models.encrypted.EncryptedJSONField(
                default=dict, help_text="The data as received (sealed: it holds phones, IDs)."
            ),
        ),
        migrations.AlterField(
            model_name="appraisal",
            name="seller_phone",
            field=portal.crm.models.encrypted.EncryptedCharField(blank=True, max_length=20),
        ),
        migrations.RunPython(forward, backward),
        # A default, so that going back can add the column to existing rows (backward fills it in).
        migrations.AlterField(
            model_name="customerphone",
            name="last4",
            field=models.CharField(db_index=True, default="", editable=False, max_length=4),
        ),
        migrations.RemoveField(
            model_name="customerphone",
            name="last4",
        ),
    ]
