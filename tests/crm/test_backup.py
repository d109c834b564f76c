"""Backup and restore: an archive made while LotFlow runs comes back identical (every row to the microsecond, every
file) into an empty installation, and works there (an inbox, a complete, a timer); a damaged, cut, foreign or
misplaced archive is refused with its reason and nothing written. On SQLite, and on PostgreSQL when DATABASE_URL
names one."""

import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from engine import api
from engine.clock import frozen
from portal.crm.services.attachments import attachment_add
from portal.ops.backup import BackupError, backup, restore
from portal.ops.sealed import new_key
from tests.helpers import deploy, image_bytes

ROOT = Path(__file__).resolve().parent.parent.parent
START = datetime.fromisoformat("2026-11-02T09:00:00+08:00")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("LOTFLOW_BACKUP_KEY", new_key())


@pytest.fixture
def installation(settings, tmp_path, key, book, crm_people, stores):
    """A running installation's data: customers, a scan on disk, an instance waiting on a timer."""
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path / "files"
    attachment_add(
        customer_id=book["mine"].pk,
        by=crm_people["sales"],
        kind="id_card",
        filename="id.png",
        stream=io.BytesIO(image_bytes()),
    )
    deploy("follow_up_wait.bpmn")
    with frozen(START):
        instance = api.start(
            "follow_up_wait",
            business_key="wait-1",
            user=crm_people["sales"],
            data={"store_id": stores[0].pk, "wait_days": 1},
        ).instance_id
    return instance


@pytest.fixture
def empty(tmp_path):
    """Where an empty installation keeps its database and files; its DATABASE_URL for commands run there."""
    files = tmp_path / "restored-files"
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield {"ENGINE": source["ENGINE"], "NAME": str(path)}, files, f"sqlite:///{path}"
        return
    import psycopg

    name = f"{source['NAME']}_restored"
    params = {k.lower(): source[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if source.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = source.get("USER") or "postgres"
    host, port = source.get("HOST") or "127.0.0.1", source.get("PORT") or 5432
    yield {**source, "NAME": name}, files, f"postgres://{user}@{host}:{port}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables_and_rows(database) -> dict[str, list[tuple]]:
    """Every table's rows, as the database stores them (raw driver values: text times stay text on SQLite)."""
    if database["ENGINE"].endswith("sqlite3"):
        uri = database["NAME"].startswith("file:")
        with sqlite3.connect(database["NAME"], uri=uri) as db:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    import psycopg

    params = {k.lower(): database[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if database.get(k)}
    with psycopg.connect(dbname=database["NAME"], **params) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY 1"
            ).fetchall()
        ]
        return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def _manage(url, files, *args) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "LOTFLOW_ATTACHMENT_DIR": str(files),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_restored_copy_is_identical_and_works(installation, empty, tmp_path, settings):
    archive = tmp_path / "lotflow.backup"
    with archive.open("wb") as out:
        made = backup(out)
    assert made.files == 1 and b"id.png" not in archive.read_bytes()  # sealed: not even the names show

    database, files, url = empty
    with archive.open("rb") as source:
        restore(source, database=database, files_dir=files)

    before, after = _tables_and_rows(connection.settings_dict), _tables_and_rows(database)
    assert before.keys() == after.keys() and "engine_processinstance" in after
    for table in before:
        assert before[table] == after[table], table
    originals = sorted(
        p.relative_to(settings.LOTFLOW_ATTACHMENT_DIR) for p in settings.LOTFLOW_ATTACHMENT_DIR.rglob("*")
    )
    assert sorted(p.relative_to(files) for p in files.rglob("*")) == originals
    for name in originals:
        assert (files / name).read_bytes() == (settings.LOTFLOW_ATTACHMENT_DIR / name).read_bytes()

    # The copy works: its timer fires, the step it opens is in the inbox and can be completed.
    _manage(url, files, "timers", "--now", (START + timedelta(days=2)).isoformat())
    inbox = json.loads(_manage(url, files, "inbox", "sales", "--json"))
    [item] = [i for i in inbox["claimable"] if i["instance_id"] == installation]
    _manage(url, files, "claim", str(item["id"]), "--user", "sales")
    _manage(url, files, "complete", str(item["id"]), "--user", "sales")
    inbox = json.loads(_manage(url, files, "inbox", "sales", "--json"))
    assert all(i["id"] != item["id"] for i in inbox["mine"] + inbox["claimable"])


def test_a_damaged_cut_or_foreign_archive_is_refused_and_nothing_written(installation, empty, tmp_path, monkeypatch):
    good = io.BytesIO()
    backup(good)
    data = good.getvalue()
    database, files, _ = empty
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    cases = {
        "not ours": (b"PK\x03\x04 a zip, say", "not a LotFlow backup"),
        "cut short": (data[:-100], "cut short"),
        "changed": (bytes(flipped), "changed"),
        "trailing": (data + b"more", "after its end"),
    }
    for what, (archive, reason) in cases.items():
        with pytest.raises(BackupError, match=reason):
            restore(io.BytesIO(archive), database=database, files_dir=files)
        assert not files.exists(), what
    monkeypatch.setenv("LOTFLOW_BACKUP_KEY", new_key())
    with pytest.raises(BackupError, match="does not open with this key"):
        restore(io.BytesIO(data), database=database, files_dir=files)
    assert _tables_and_rows(database) == {}


def test_a_restore_never_writes_over_a_live_installation(installation, tmp_path):
    archive = io.BytesIO()
    backup(archive)
    with pytest.raises(BackupError, match="empty installation"):
        restore(io.BytesIO(archive.getvalue()))  # this very installation: its files and tables are there
