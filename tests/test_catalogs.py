"""The translation catalogs that ship: each parses, is complete, keeps its placeholders, and covers the code.

Every ``<app>/locale/zh_Hans/LC_MESSAGES/django.po`` in the tree is checked. Completeness against the code is
measured the way a translator would find gaps: Django's makemessages is run over a copy of the app (so the tree
is not touched) and every message it extracts must be in the committed catalog.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(
    p for top in ("engine", "portal") for p in (ROOT / top).glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
)
# Apps whose strings go to their own catalog, not to the project's portal/locale.
OWN_CATALOG = {ROOT / "portal" / "crm", ROOT / "portal" / "inbox"}
# %(name)s, %(count)d, a bare %s or %d, and str.format fields such as {item}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfir]|%[sdfir]|\{\w*\}")


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _load(path: Path) -> polib.POFile:
    try:
        return polib.pofile(str(path))
    except (OSError, ValueError) as err:  # polib names the line it could not read
        pytest.fail(f"{_name(path)} is not a valid catalog: {err}")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_app_with_strings_has_a_catalog():
    names = {_name(p) for p in CATALOGS}
    for catalog in (
        "engine/locale/zh_Hans/LC_MESSAGES/django.po",
        "portal/locale/zh_Hans/LC_MESSAGES/django.po",
        "portal/inbox/locale/zh_Hans/LC_MESSAGES/django.po",
    ):
        assert catalog in names


@pytest.mark.parametrize("path", CATALOGS, ids=_name)
def test_a_catalog_is_complete_and_keeps_its_placeholders(path):
    problems = []
    for entry in _load(path):
        if entry.obsolete:
            continue
        where = f"{_name(path)}:{entry.linenum}: {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not all(t.strip() for t in translations) or not translations:
            problems.append(f"{where} is not translated")
            continue
        expected = _placeholders(entry.msgid_plural or entry.msgid)
        for translation in translations:
            if _placeholders(translation) != expected:
                problems.append(f"{where}: the translation has {_placeholders(translation)}, the original {expected}")
    assert not problems, "\n".join(problems)


def test_an_invalid_catalog_is_named_with_its_line(tmp_path):
    broken = tmp_path / "django.po"
    broken.write_text('msgid ""\nmsgstr ""\n\nmsgid "Sign in"\nthis is not gettext\nmsgstr "登录"\n', encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match=r"django\.po is not a valid catalog: .*line 5"):
        _load(broken)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext (make test installs it)")
@pytest.mark.parametrize("path", CATALOGS, ids=_name)
def test_gnu_msgfmt_accepts_the_catalog(path):
    """GNU msgfmt's stricter reading (unterminated strings, python-format checks), with its file:line messages."""
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(path)], check=False, cwd=ROOT, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def _keys(catalog: polib.POFile) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in catalog if not e.obsolete}


def _extracted(app: Path, copy: Path) -> polib.POFile:
    """What makemessages finds in a copy of ``app`` (without the sub-apps that keep their own catalogs)."""

    def skip(folder: str, names: list[str]) -> list[str]:
        here = Path(folder)
        own_catalog = [
            n for n in names if here / n != app and (here / n in OWN_CATALOG or (here / n / "locale").is_dir())
        ]
        return [*own_catalog, "locale", "__pycache__", "migrations"]

    shutil.copytree(app, copy, ignore=skip)
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "zh_Hans", "--no-location", "-v", "0"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (make test installs it)")
@pytest.mark.parametrize("path", CATALOGS, ids=_name)
def test_every_string_marked_in_the_code_is_in_the_catalog(path, tmp_path):
    app = path.parents[3]
    missing = _keys(_extracted(app, tmp_path / app.name)) - _keys(_load(path))
    assert not missing, f"{_name(path)} lacks strings marked in {_name(app)}/ (run makemessages there): " + ", ".join(
        f"{ctx + ' | ' if ctx else ''}{msgid!r}" for ctx, msgid in sorted(missing, key=str)
    )
