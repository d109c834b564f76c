"""Personal data sealed at rest: nothing personal in the tables or the files, search by keyed hashes, key rotation
(also interrupted half way) on a populated database. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image

from portal.crm import crypto
from portal.crm.models import Appraisal, Attachment, ChangeRecord, Customer, CustomerPhone, LeadImport, LeadIntake
from portal.crm.selectors import customer_search
from portal.crm.services import attachments
from portal.crm.services.customers import customer_create, customer_update
from portal.crm.services.data_keys import data_key_left, data_key_rotate
from portal.crm.services.lead_import import lead_import_queue, lead_import_run
from portal.crm.services.leads import lead_receive
from tests.helpers import deploy

NEW_KEY = "n2:" + "a-new-data-key-for-the-rotation-test-0123456789"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def lead_process(settings, db):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path / "attachments"
    return Path(settings.LOTFLOW_ATTACHMENT_DIR)


def person(i: int) -> dict:
    return {
        "phone": f"1391234{i:04d}",
        "fields": {
            "name": f"周敏{i}",
            "id_number": f"44030519850612{i:03d}X",
            "email": f"zhou.min{i}@example.cn",
            "address": f"深圳市南山区科技园路{i + 88}号",
            "birthday": datetime.date(1985, 6, 12 + i % 10),
        },
    }


def populate(people, count: int) -> list[Customer]:
    """Customers with every personal field, a lead each, an ID number changed (history) and a scan each."""
    made = []
    for i in range(count):
        p = person(i)
        customer = customer_create(by=people["sales"], phones=[p["phone"]], fields=p["fields"])
        customer_update(customer_id=customer.pk, by=people["sales"], fields={"id_number": f"44030519850612{i:03d}9"})
        lead_receive(
            name=p["fields"]["name"],
            phone=p["phone"],
            channel="api",
            email=p["fields"]["email"],
            received={"phone": p["phone"], "id_number": p["fields"]["id_number"], "address": p["fields"]["address"]},
        )
        attachments.attachment_add(
            customer_id=customer.pk, by=people["sales"], kind="id_card", filename="id.png", stream=io.BytesIO(png())
        )
        made.append(customer)
    waiting = "name,phone,email\n吴静,13700009999,wu.jing@example.cn\n".encode()
    lead_import_queue(by=people["manager"], filename="leads.csv", stream=io.BytesIO(waiting))  # not yet run
    return made


def raw_dump() -> str:
    """Every table's every row as SQL returns it, no model in between."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks += [repr(row) for row in cursor.fetchall()]
    return "\n".join(chunks)


def personal_values(i: int) -> list[str]:
    p = person(i)
    day = p["fields"]["birthday"]
    return [
        p["phone"],
        p["fields"]["id_number"],
        p["fields"]["id_number"][:-1] + "9",
        p["fields"]["email"],
        p["fields"]["address"],
        "13700009999",
        "wu.jing@example.cn",
        day.isoformat(),
        day.strftime("%Y%m%d"),
    ]


def test_nothing_personal_is_left_in_clear_in_the_tables_or_the_files(people, attachment_dir, stores):
    populate(people, 2)
    # A private seller offering a car: their phone is sealed like a customer's.
    offer = Appraisal.objects.create(
        store=stores[0], seller_name="吴静", seller_phone="13655558888", vin="LSVAB2BM7PN000777", mileage=52000
    )
    dump = raw_dump()
    files = b"".join(path.read_bytes() for path in attachment_dir.iterdir())
    for i in range(2):
        for value in personal_values(i):
            assert value not in dump, value
            assert value.encode() not in files
    assert b"IHDR" not in files  # the scans themselves are sealed
    customer = Customer.objects.get(name="周敏1")  # ...and read back whole through the models
    assert (customer.id_number, customer.email, customer.birthday) == (
        "440305198506120019",
        "zhou.min1@example.cn",
        datetime.date(1985, 6, 13),
    )
    assert customer.phones.get().number == "13912340001"
    assert LeadIntake.objects.filter(customer=customer).first().received["phone"] == "13912340001"
    assert "13655558888" not in dump and Appraisal.objects.get(pk=offer.pk).seller_phone == "13655558888"


def test_search_finds_a_whole_phone_its_last_four_and_a_whole_id_number_but_not_other_parts(people):
    populate(people, 2)
    found = customer_search(people["sales"], "139 1234 0001")
    assert [c.name for c in found] == ["周敏1"]
    assert [c.name for c in customer_search(people["sales"], "0001")] == ["周敏1"]
    assert [c.name for c in customer_search(people["sales"], "440305198506120019")] == ["周敏1"]
    assert list(customer_search(people["sales"], "91234")) == []  # a middle part of a phone finds nothing


def sealed_kids(customer_id: int) -> set[str | None]:
    """The keys of one customer's row: its sealed values and its hashes (raw SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address, birthday, email, id_number, id_number_hash, birthday_hash FROM crm_customer WHERE id = %s",
            [customer_id],
        )
        row = cursor.fetchone()
    return {crypto.key_id_of(v) for v in row[:4]} | {crypto.hash_key_id(v) for v in row[4:]}


def everything_reads(customers: list[Customer]) -> None:
    for i, customer in enumerate(customers):
        fresh = Customer.objects.get(pk=customer.pk)
        assert fresh.email == person(i)["fields"]["email"]
        assert fresh.birthday == person(i)["fields"]["birthday"]
        assert fresh.phones.get().number == person(i)["phone"]
    for record in ChangeRecord.objects.filter(field="id_number"):
        from portal.crm.history import opened

        assert opened(record.field, record.new_value).startswith("4403051985")
    for scan in Attachment.objects.all():
        assert attachments.attachment_read(scan) == attachments.attachment_read(scan)  # opens, whichever key
    job = LeadImport.objects.get()
    done = lead_import_run(job.pk)
    assert (done.created + done.merged, done.errors) == (1, [])  # the waiting lead file still reads
    LeadImport.objects.filter(pk=job.pk).update(status="queued", content=job.content, rows_done=0, created=0, merged=0)


def test_a_rotation_moves_everything_to_the_new_key_and_the_old_one_can_go(people, settings, capsys):
    customers = populate(people, 3)
    old = settings.LOTFLOW_DATA_KEYS
    settings.LOTFLOW_DATA_KEYS = f"{NEW_KEY},{old}"
    assert data_key_left() > 0
    call_command("rotate_data_key")
    assert "Done" in capsys.readouterr().out
    settings.LOTFLOW_DATA_KEYS = NEW_KEY  # the old key dropped
    assert data_key_left() == 0
    everything_reads(customers)
    assert {kid for c in customers for kid in sealed_kids(c.pk)} == {"n2"}
    assert [c.name for c in customer_search(people["sales"], "13912340002")] == ["周敏2"]
    assert [c.name for c in customer_search(people["sales"], "0002")] == ["周敏2"]
    assert [c.name for c in customer_search(people["sales"], "440305198506120029")] == ["周敏2"]


class Interrupted(Exception):
    pass


def test_an_interrupted_rotation_leaves_every_row_readable_under_one_key_and_a_rerun_finishes(people, settings):
    customers = populate(people, 5)
    old = settings.LOTFLOW_DATA_KEYS
    settings.LOTFLOW_DATA_KEYS = f"{NEW_KEY},{old}"
    rows = []

    def stop_half_way(what: str, count: int) -> None:
        if what == "customer" and count == 0:
            rows.append(1)
            if len(rows) == 3:  # inside the second batch of two
                raise Interrupted

    import portal.crm.services.data_keys as rotation

    settings_batch, rotation.BATCH = rotation.BATCH, 2
    try:
        with pytest.raises(Interrupted):
            data_key_rotate(progress=stop_half_way)
        kids = [sealed_kids(c.pk) for c in customers]
        assert all(len(k) == 1 for k in kids), kids  # no row half under one key, half under the other
        assert [k.pop() for k in kids] == ["n2", "n2", "t1", "t1", "t1"]  # the first batch done, the second undone
        everything_reads(customers)  # with both keys in the ring
        assert [c.name for c in customer_search(people["sales"], "0004")] == ["周敏4"]  # found under the old key
        report = data_key_rotate()
    finally:
        rotation.BATCH = settings_batch
    assert report.done and report.rewritten["customer"] == 3
    settings.LOTFLOW_DATA_KEYS = NEW_KEY
    everything_reads(customers)
    assert [c.name for c in customer_search(people["sales"], "0004")] == ["周敏4"]


def test_a_value_under_a_key_no_longer_in_the_ring_is_a_clear_error(people, settings):
    populate(people, 1)
    settings.LOTFLOW_DATA_KEYS = NEW_KEY
    with pytest.raises(crypto.DataKeyError, match="not in LOTFLOW_DATA_KEYS"):
        Customer.objects.get(name="周敏0")


def test_an_encrypted_field_cannot_be_compared_in_sql_except_with_empty(people):
    populate(people, 1)
    assert Customer.objects.exclude(email="").count() == 1
    with pytest.raises(Exception, match="encrypted"):
        list(CustomerPhone.objects.filter(number="13912340000"))


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_the_clear_values_of_an_existing_database_and_back(people, stores, attachment_dir):
    executor = MigrationExecutor(connection)
    executor.migrate([("crm", "0008_api_token")])
    old = executor.loader.project_state([("crm", "0008_api_token")]).apps
    customer = old.get_model("crm", "Customer").objects.create(
        name="钱芳",
        name_key="钱芳",
        home_store_id=stores[0].pk,
        owner_id=people["sales"].pk,
        id_number="11010119900307663X",
        email="qian.fang@example.cn",
        address="北京市东城区东华门街道1号",
        birthday=datetime.date(1990, 3, 7),
    )
    old.get_model("crm", "CustomerPhone").objects.create(
        customer=customer, number="13800007777", number_hash="old", last4="7777", primary=True
    )
    old.get_model("crm", "SearchTerm").objects.create(customer=customer, term="#7777")
    old.get_model("crm", "ChangeRecord").objects.create(
        entity="customer", entity_id=customer.pk, field="id_number", old_value="", new_value="11010119900307663X"
    )
    old.get_model("crm", "LeadIntake").objects.create(
        customer=customer, source="website", channel="api", received={"phone": "13800007777"}
    )
    attachment_dir.mkdir(parents=True, exist_ok=True)
    (attachment_dir / "scan.png").write_bytes(png())
    old.get_model("crm", "Attachment").objects.create(
        customer=customer,
        kind="id_card",
        filename="id.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        storage_name="scan.png",
        uploaded_by_id=people["sales"].pk,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    dump = raw_dump()
    for value in ("11010119900307663X", "qian.fang@example.cn", "北京市东城区", "1990-03-07", "13800007777", "#7777"):
        assert value not in dump, value
    assert b"IHDR" not in (attachment_dir / "scan.png").read_bytes()
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.id_number, fresh.birthday, fresh.phones.get().number) == (
        "11010119900307663X",
        datetime.date(1990, 3, 7),
        "13800007777",
    )
    assert LeadIntake.objects.get().received == {"phone": "13800007777"}
    for query in ("138 0000 7777", "7777", "11010119900307663x"):
        assert [c.pk for c in customer_search(people["sales"], query)] == [customer.pk], query

    executor = MigrationExecutor(connection)
    executor.migrate([("crm", "0008_api_token")])  # and back: the values in clear again
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, email FROM crm_customer WHERE id = %s", [customer.pk])
        assert cursor.fetchone() == ("11010119900307663X", "qian.fang@example.cn")
        cursor.execute("SELECT number, last4 FROM crm_customerphone")
        assert cursor.fetchone() == ("13800007777", "7777")
    assert (attachment_dir / "scan.png").read_bytes() == png()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
