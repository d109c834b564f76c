"""collectstatic takes only the front-end files the pages use, under hashed names, and the portal serves them."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic with the production storage into an empty folder."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    call_command("collectstatic", interactive=False, verbosity=0)
    return {str(p.relative_to(settings.STATIC_ROOT)) for p in settings.STATIC_ROOT.rglob("*") if p.is_file()}


def test_only_the_front_end_files_the_pages_use_are_collected(collected):
    front_end = {name for name in collected if name.startswith(("@picocss/", "htmx.org/"))}
    originals = {name for name in front_end if not name.endswith(".gz") and not re.search(r"\.[0-9a-f]{12}\.", name)}
    assert originals == {"@picocss/pico/css/pico.min.css", "htmx.org/dist/htmx.min.js"}
    hashed = {name for name in front_end if re.search(r"\.[0-9a-f]{12}\.(css|js)$", name)}
    assert len(hashed) == 2 and all(
        name.startswith(("@picocss/pico/css/pico.min.", "htmx.org/dist/htmx.min.")) for name in hashed
    )
    assert not any(name.startswith(("node_modules", ".package-lock", "package.json")) for name in collected)


def test_a_page_links_the_hashed_names_and_they_are_served(collected, client, db):
    page = client.get("/login/").content.decode()
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    pico = [link for link in links if "pico.min." in link]
    htmx = [link for link in links if "htmx.min." in link]
    assert len(pico) == 1 and len(htmx) == 1
    assert re.search(r"pico\.min\.[0-9a-f]{12}\.css$", pico[0]) and re.search(r"htmx\.min\.[0-9a-f]{12}\.js$", htmx[0])
    served = client.get(pico[0])
    assert served.status_code == 200 and b"--pico-" in b"".join(served.streaming_content)


def test_a_file_no_finder_holds_is_not_found():
    """The finder says "not here" in the shape Django's finders.find() reads as a miss."""
    assert finders.find("htmx.org/package.json") is None
    assert finders.find("htmx.org/package.json", find_all=True) == []
    assert finders.find("htmx.org/dist/htmx.min.js", find_all=True) == [finders.find("htmx.org/dist/htmx.min.js")]
