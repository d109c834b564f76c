"""Backup and restore of a whole installation: the database and the stored files, in one sealed archive.

``backup`` runs while LotFlow serves: SQLite's online backup API copies a consistent snapshot; PostgreSQL's
``pg_dump`` reads one in a single transaction. The files (scans, contracts, photos) are the attachment folder's,
each with its SHA-256. Inside the seal (portal/ops/sealed.py) is a tar stream: ``manifest.json`` (when, from
what, the database's kind, every file's size and checksum), the database dump, then ``files/...``.

``restore`` opens the archive (refusing one that is not ours, another key's, changed or cut short), checks
every checksum against the manifest, and only then writes: into an empty installation (no LotFlow tables in
the database, no files in the attachment folder), never over a live one. Nothing is written before every
check has passed, so a refused restore leaves the target as it was.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .sealed import SealError, parse_key, seal, unseal

FORMAT = 1
DB_SQLITE, DB_POSTGRES = "sqlite", "postgresql"


class BackupError(Exception):
    """A backup or restore refused, with the reason; nothing was written."""


@dataclass
class Summary:
    database: str
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _vendor(database: Mapping[str, Any]) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return DB_SQLITE
    if engine.endswith("postgresql"):
        return DB_POSTGRES
    raise BackupError(_("Backups cover SQLite and PostgreSQL, not %(engine)s.") % {"engine": engine})


def _pg_env(database: Mapping[str, Any]) -> dict[str, str]:
    env = {**os.environ}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[variable] = str(database[key])
    return env


def _dump_database(target: Path) -> str:
    """The live database as one file; its kind."""
    database = dict(settings.DATABASES["default"])
    vendor = _vendor(database)
    if vendor == DB_SQLITE:
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # online: a consistent snapshot while others write
        return vendor
    done = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), str(database["NAME"])],
        env=_pg_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BackupError(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()})
    return vendor


def backup(out: IO[bytes]) -> Summary:
    """Write a sealed archive of the database and the files to ``out``."""
    key = parse_key(os.environ.get("LOTFLOW_BACKUP_KEY"))
    files_dir = Path(settings.LOTFLOW_ATTACHMENT_DIR)
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        dump = work_dir / "database"
        vendor = _dump_database(dump)
        files = sorted(p for p in files_dir.rglob("*") if p.is_file()) if files_dir.is_dir() else []
        manifest = {
            "format": FORMAT,
            "made_at": timezone.now().isoformat(),
            "database": {"vendor": vendor, "size": dump.stat().st_size, "sha256": _sha256(dump)},
            "files": {str(p.relative_to(files_dir)): {"size": p.stat().st_size, "sha256": _sha256(p)} for p in files},
        }
        plain = work_dir / "archive.tar"
        with tarfile.open(plain, "w") as archive:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, _bytes(data))
            archive.add(dump, arcname="database")
            for path in files:
                archive.add(path, arcname=f"files/{path.relative_to(files_dir)}")
        with plain.open("rb") as source:
            seal(source, out, key)
        return Summary(vendor, len(files), sum(p.stat().st_size for p in files) + dump.stat().st_size)


def _bytes(data: bytes) -> IO[bytes]:
    import io

    return io.BytesIO(data)


def restore(source: IO[bytes], *, database: Mapping[str, Any] | None = None, files_dir: Path | None = None) -> Summary:
    """Bring a sealed archive back into an empty installation (the settings' database and attachment folder,
    or the ones given)."""
    key = parse_key(os.environ.get("LOTFLOW_BACKUP_KEY"))
    database = dict(database if database is not None else settings.DATABASES["default"])
    files_dir = Path(files_dir or settings.LOTFLOW_ATTACHMENT_DIR)
    vendor = _vendor(database)
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        plain = work_dir / "archive.tar"
        try:
            with plain.open("wb") as handle:
                for chunk in unseal(source, key):
                    handle.write(chunk)
        except SealError as err:
            raise BackupError(str(err)) from None
        unpacked = work_dir / "unpacked"
        manifest = _unpack(plain, unpacked)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                _("This backup holds a %(found)s database; this installation runs %(wanted)s.")
                % {"found": manifest["database"]["vendor"], "wanted": vendor}
            )
        _refuse_unless_empty(database, vendor, files_dir)
        _load_database(unpacked / "database", database, vendor)
        for name in manifest["files"]:
            target = files_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(unpacked / "files" / name, target)
            target.chmod(0o600)
        size = manifest["database"]["size"] + sum(f["size"] for f in manifest["files"].values())
        return Summary(vendor, len(manifest["files"]), size)


def _unpack(plain: Path, unpacked: Path) -> Mapping[str, Any]:
    """Extract and check every member against the manifest; BackupError names the first that differs."""
    try:
        with tarfile.open(plain, "r") as archive:
            archive.extractall(unpacked, filter="data")  # no absolute paths, links or devices
    except (tarfile.TarError, OSError) as err:
        raise BackupError(_("The archive inside the backup cannot be read: %(error)s") % {"error": err}) from None
    try:
        manifest = json.loads((unpacked / "manifest.json").read_text())
    except (OSError, ValueError):
        raise BackupError(_("The backup has no readable manifest.")) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This backup's format (%(format)s) is not one this LotFlow reads.") % manifest)
    expected = {"database": manifest["database"], **{f"files/{n}": f for n, f in manifest["files"].items()}}
    for name, facts in expected.items():
        path = unpacked / name
        if not path.is_file() or path.stat().st_size != facts["size"] or _sha256(path) != facts["sha256"]:
            raise BackupError(_("%(name)s in the backup differs from its manifest.") % {"name": name})
    return manifest


def _refuse_unless_empty(database: Mapping[str, Any], vendor: str, files_dir: Path) -> None:
    if files_dir.is_dir() and any(files_dir.iterdir()):
        raise BackupError(
            _("The attachment folder %(folder)s is not empty; restore goes into an empty installation.")
            % {"folder": files_dir}
        )
    if vendor == DB_SQLITE:
        name = str(database["NAME"])
        uri = name.startswith("file:")  # an in-memory database (the test suite's) is named by a URI
        if uri or (Path(name).exists() and Path(name).stat().st_size):
            with sqlite3.connect(name, uri=uri) as db:
                tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if tables:
                raise BackupError(
                    _("The database %(name)s already has %(count)s tables; restore goes into an empty installation.")
                    % {"name": name, "count": tables}
                )
        return
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    done = subprocess.run(
        ["psql", "-At", "-c", query, database["NAME"]],
        env=_pg_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BackupError(_("The database cannot be reached: %(error)s") % {"error": done.stderr.strip()})
    if int(done.stdout.strip() or 0):
        raise BackupError(
            _("The database %(name)s already has %(count)s tables; restore goes into an empty installation.")
            % {"name": database["NAME"], "count": done.stdout.strip()}
        )


def _load_database(dump: Path, database: Mapping[str, Any], vendor: str) -> None:
    if vendor == DB_SQLITE:
        path = Path(database["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(dump) as source, sqlite3.connect(path) as target:
            source.backup(target)
        return
    done = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            database["NAME"],
            str(dump),
        ],
        env=_pg_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BackupError(_("pg_restore failed (nothing was restored): %(error)s") % {"error": done.stderr.strip()})
