"""Customer attachments: type by content, size limit, stored outside the web roots, scoped download."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import global_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import portal.settings
from portal.crm.models import Attachment
from portal.crm.services.attachments import whole
from tests.helpers import image_bytes

PNG = whole(image_bytes("PNG"), ("image/png", ".png"))  # as stored: decoded and written anew
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.LOTFLOW_ATTACHMENT_DIR = tmp_path / "attachments"
    return settings.LOTFLOW_ATTACHMENT_DIR


def upload(client, customer, name, content, kind="id_card"):
    page = reverse("crm:customer", args=[customer.pk])
    return client.post(
        reverse("crm:attachment_upload", args=[customer.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        follow=True,
        HTTP_REFERER=page,
    )


def test_an_owner_uploads_a_scan_and_downloads_it(book, crm_people, client, attachment_dir, settings):
    client.force_login(crm_people["sales"])
    upload(client, book["mine"], "id.png", PNG)
    scan = Attachment.objects.get()
    assert (scan.content_type, scan.size) == ("image/png", len(PNG))
    stored = attachment_dir / scan.storage_name
    assert stored.read_bytes().startswith(b"LFE1") and PNG[8:40] not in stored.read_bytes()  # sealed on disk
    assert settings.STATIC_ROOT not in stored.parents and "id.png" not in scan.storage_name
    download = client.get(reverse("crm:attachment", args=[scan.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(book, crm_people, client):
    client.force_login(crm_people["sales"])
    page = upload(client, book["mine"], "contract.pdf", b"<html>not a pdf</html>", kind="contract")
    assert "contract.pdf is not a JPEG, PNG or PDF file" in page.content.decode()
    assert not Attachment.objects.exists()


def test_a_truncated_pdf_is_refused(book, crm_people, client):
    client.force_login(crm_people["sales"])
    upload(client, book["mine"], "contract.pdf", b"%PDF-1.4\nno end", kind="contract")
    assert not Attachment.objects.exists()


def test_a_real_pdf_is_accepted(book, crm_people, client):
    client.force_login(crm_people["sales"])
    upload(client, book["mine"], "contract.bin", PDF, kind="contract")
    assert Attachment.objects.get().content_type == "application/pdf"


def test_the_size_limit_comes_from_settings(book, crm_people, client, settings):
    settings.LOTFLOW_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(crm_people["sales"])
    page = upload(client, book["mine"], "big.png", PNG + b"\x00" * 2048)
    assert "larger than" in page.content.decode() and not Attachment.objects.exists()


def test_a_pool_viewer_can_neither_upload_nor_download(book, crm_people, client):
    client.force_login(crm_people["manager"])
    upload(client, book["pool"], "id.png", PNG)
    scan = Attachment.objects.get()
    client.force_login(crm_people["sales"])
    assert client.get(reverse("crm:attachment", args=[scan.pk])).status_code == 404
    page = upload(client, book["pool"], "id2.png", PNG)
    assert Attachment.objects.count() == 1 and "Only the owner" in page.content.decode()


def _web_roots_holding(attachments: Path, configured) -> list[Path]:
    """The folders a web server or collectstatic serves as plain files that contain the attachment folder."""
    # An entry of STATICFILES_DIRS is a folder, or a (prefix, folder) pair.
    dirs = [entry[1] if isinstance(entry, tuple) else entry for entry in configured.STATICFILES_DIRS]
    roots = [configured.STATIC_ROOT, *dirs]
    if configured.MEDIA_ROOT:  # Django's default, "", serves nothing
        roots.append(configured.MEDIA_ROOT)
    return [Path(r) for r in roots if attachments.resolve().is_relative_to(Path(r).resolve())]


def test_attachments_are_not_under_a_web_root():
    # The settings as configured: this module's autouse fixture moves the attachments to a temporary folder.
    configured = SimpleNamespace(**{"MEDIA_ROOT": global_settings.MEDIA_ROOT, **vars(portal.settings)})
    assert _web_roots_holding(configured.LOTFLOW_ATTACHMENT_DIR, configured) == []


def test_a_media_root_over_the_attachments_would_be_caught():
    configured = SimpleNamespace(**{**vars(portal.settings), "MEDIA_ROOT": portal.settings.VAR_DIR})
    assert _web_roots_holding(configured.LOTFLOW_ATTACHMENT_DIR, configured) == [portal.settings.VAR_DIR]


@pytest.mark.parametrize(
    "content",
    [
        PDF + b"<html><body>Verify your account</body></html>",
        PDF.replace(b"endobj", b"endobj <script>alert(1)</script>"),
    ],
    ids=["html after the end", "script inside"],
)
def test_a_pdf_carrying_markup_is_refused(book, crm_people, client, content):
    client.force_login(crm_people["sales"])
    page = upload(client, book["mine"], "contract.pdf", content, kind="contract")
    assert "is not a JPEG, PNG or PDF file" in page.content.decode()
    assert not Attachment.objects.exists()
