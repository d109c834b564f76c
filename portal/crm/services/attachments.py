"""Customer attachments: type checked by content, size limited, stored outside the web roots, sealed with the
data key (portal.crm.crypto): a scan on disk reads as noise without LOTFLOW_DATA_KEYS."""

import hashlib
import io
import os
import re
import secrets
import warnings
from pathlib import Path
from typing import IO, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from .. import crypto
from ..errors import NotPermitted
from ..models import Attachment, AttachmentKind
from ..models.records import StoredFile
from ..scopes import attachments_visible_to, can_see_identity, customers_visible_to
from .common import visible_or_raise

M = TypeVar("M", bound=StoredFile)

# Content signatures; the name and the browser's content type are never trusted.
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
]


# Markup that a browser sniffing a file would run; no scan or contract has a reason to carry it in clear.
MARKUP = re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed)\b", re.IGNORECASE)
# Pillow refuses images bigger than this (a small file can decode to gigabytes).
Image.MAX_IMAGE_PIXELS = 50_000_000


def sniff(head: bytes, tail: bytes) -> tuple[str, str] | None:
    for magic, content_type, suffix in SIGNATURES:
        if head.startswith(magic):
            if content_type == "application/pdf" and not tail.rstrip(b"\x00\r\n\t ").endswith(b"%%EOF"):
                return None  # a PDF header on something that is not a whole PDF, or with more after its end
            if content_type == "image/jpeg" and not tail.rstrip(b"\x00\r\n").endswith(b"\xff\xd9"):
                return None
            return content_type, suffix
    return None


def whole(data: bytes, found: tuple[str, str]) -> bytes | None:
    """The file as it will be stored, when it is all that it claims; None when it is not.

    Images are decoded and encoded anew (metadata and anything hidden in or after them are dropped); a PDF
    must end where a PDF ends and carry no markup a browser would run.
    """
    content_type = found[0]
    if content_type == "application/pdf":
        return None if MARKUP.search(data) else data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                out = io.BytesIO()
                if content_type == "image/jpeg":
                    image.convert("RGB").save(out, "JPEG", quality=90)
                else:
                    image.save(out, "PNG", optimize=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    return out.getvalue()


def storage_dir() -> Path:
    path = Path(settings.LOTFLOW_ATTACHMENT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_limited(stream: IO[bytes], filename: str) -> bytes:
    """The upload's bytes, refused when over LOTFLOW_ATTACHMENT_MAX_BYTES (reading one byte more to know)."""
    limit = settings.LOTFLOW_ATTACHMENT_MAX_BYTES
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {"file": _("%(filename)s is larger than %(mb)s MB.") % {"filename": filename, "mb": limit // (1024 * 1024)}}
        )
    return data


def stored_file_save(
    model: type[M],
    data: bytes,
    *,
    filename: str,
    found: tuple[str, str],
    by: Any,
    prefix: str = "",
    sealed: bool = False,
    **owner: Any,
) -> M:
    """The row of a checked upload (a scan, a photo) under a random name, then its bytes on disk (``sealed``:
    encrypted): the write is the last step, so nothing after it can roll the row back and leave a file no row
    names. ``size`` and ``sha256`` are the clear file's."""
    content_type, suffix = found
    storage_name = prefix + secrets.token_hex(16) + suffix
    row = model._default_manager.create(
        **owner,
        filename=Path(filename).name[:200],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage_name,
        uploaded_by=by,
    )
    (storage_dir() / storage_name).write_bytes(crypto.seal_bytes(data, scan_purpose(row)) if sealed else data)
    return row


def scan_purpose(attachment: StoredFile) -> str:
    """What a sealed scan is bound to: its own name, so a file copied over another one does not open."""
    return f"crm.attachment:{attachment.storage_name}"


def attachment_read(attachment: Attachment) -> bytes | None:
    """The clear content of a scan (None if its file is missing); one stored before sealing is read as it is."""
    path = storage_dir() / attachment.storage_name
    if not path.exists():
        return None
    return crypto.open_bytes(path.read_bytes(), scan_purpose(attachment))


def attachment_reseal(attachment: Attachment) -> bool:
    """Seal the scan's file under the current data key if it is not already (a key rotation, the first
    encryption); True if it was rewritten. The new file replaces the old one at once (os.replace): a reader sees
    the one or the other, both of which open while the old key is in the ring."""
    path = storage_dir() / attachment.storage_name
    if not path.exists():
        return False
    data = path.read_bytes()
    if crypto.bytes_key_id(data) == crypto.current().kid:
        return False
    fresh = path.with_name(path.name + ".reseal")
    fresh.write_bytes(crypto.seal_bytes(crypto.open_bytes(data, scan_purpose(attachment)), scan_purpose(attachment)))
    os.replace(fresh, path)
    return True


@transaction.atomic
def attachment_add(*, customer_id: int, by: Any, kind: str, filename: str, stream: IO[bytes]) -> Attachment:
    customer = visible_or_raise(customers_visible_to(by), customer_id, "customer")
    if not can_see_identity(by, customer):
        raise NotPermitted(_("Only the owner, the store manager, finance or hq add scans and contracts."))
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Choose one of %(allowed)s.") % {"allowed": ", ".join(AttachmentKind.values)}})
    data = read_limited(stream, filename)
    if not data:
        raise ValidationError({"file": _("%(filename)s is empty.") % {"filename": filename}})
    found = sniff(data[:16], data[-1024:])
    kept = whole(data, found) if found else None
    if found is None or kept is None:
        raise ValidationError(
            {
                "file": _(
                    "%(filename)s is not a JPEG, PNG or PDF file (checked by its content, whatever its name says)."
                )
                % {"filename": filename}
            }
        )
    return stored_file_save(
        Attachment, kept, filename=filename, found=found, by=by, sealed=True, customer=customer, kind=kind
    )


def attachment_open(*, attachment_id: int, by: Any) -> tuple[Attachment, bytes | None]:
    """The attachment and its clear content (None if the file is missing), if ``by`` may see the customer's
    identity documents."""
    attachment = visible_or_raise(attachments_visible_to(by), attachment_id, "attachment")
    return attachment, attachment_read(attachment)
