"""A sealed stream: a file encrypted in chunks with AES-256-GCM, so a backup of any size is written and read
without holding it in memory, and any change, truncation, reordering or foreign key is detected.

Layout: ``MAGIC`` (8 bytes), a random nonce prefix (8 bytes), then chunks, each a 4-byte big-endian length and
the AES-GCM ciphertext of up to ``CHUNK`` bytes. Chunk ``n`` is sealed with the nonce ``prefix + n`` (4 bytes)
and authenticates the header and a flag saying whether it is the last chunk: a stream cut after any chunk but
the last one, or with chunks swapped, does not open.

The key is 32 bytes, given as URL-safe base64 in ``LOTFLOW_BACKUP_KEY`` (``manage.py backup --new-key`` makes
one). It is kept apart from the database and from the other keys: whoever holds a backup and not this key
reads nothing.
"""

import base64
import binascii
import os
import struct
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext as _

MAGIC = b"LOTFLOW1"
CHUNK = 1024 * 1024
_LENGTH = struct.Struct(">I")


class SealError(Exception):
    """The archive cannot be opened: not ours, another key, changed or cut short. The message says which."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def parse_key(text: str | None) -> bytes:
    if not text:
        raise SealError(
            _(
                "LOTFLOW_BACKUP_KEY is not set. Make one with `manage.py backup --new-key` "
                "and keep it apart from the backups."
            )
        )
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SealError(_("LOTFLOW_BACKUP_KEY is not 32 bytes of URL-safe base64."))
    return key


def _aad(header: bytes, last: bool) -> bytes:
    return header + (b"\x01" if last else b"\x00")


def seal(source: IO[bytes], target: IO[bytes], key: bytes) -> None:
    """Encrypt ``source`` into ``target``, chunk by chunk."""
    cipher = AESGCM(key)
    header = MAGIC + os.urandom(8)
    target.write(header)
    counter = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        nonce = header[8:] + struct.pack(">I", counter)
        sealed = cipher.encrypt(nonce, chunk, _aad(header, last))
        target.write(_LENGTH.pack(len(sealed)) + sealed)
        if last:
            return
        chunk, counter = following, counter + 1


def unseal(source: IO[bytes], key: bytes) -> Iterator[bytes]:
    """The plain chunks of a sealed stream, each checked before it is given; SealError on the first problem."""
    cipher = AESGCM(key)
    header = source.read(16)
    if len(header) < 16 or not header.startswith(MAGIC):
        raise SealError(_("This is not a LotFlow backup (it does not start as one)."))
    counter = 0
    while True:
        length = source.read(_LENGTH.size)
        if not length:
            raise SealError(_("The backup is cut short: its last part is missing."))
        (size,) = _LENGTH.unpack(length)
        if size > CHUNK + 16:
            raise SealError(_("The backup is damaged (part %(part)s has an impossible size).") % {"part": counter + 1})
        sealed = source.read(size)
        if len(sealed) < size:
            raise SealError(_("The backup is cut short in part %(part)s.") % {"part": counter + 1})
        nonce = header[8:] + struct.pack(">I", counter)
        at_end = not source.peek(1) if hasattr(source, "peek") else None
        for last in [at_end] if at_end is not None else [False, True]:
            try:
                plain = cipher.decrypt(nonce, sealed, _aad(header, bool(last)))
            except InvalidTag:
                continue
            break
        else:
            if counter == 0:
                raise SealError(_("The backup does not open with this key (another key, or the file was changed)."))
            raise SealError(_("The backup was changed or cut short at part %(part)s.") % {"part": counter + 1})
        yield plain
        if last:
            if source.read(1):
                raise SealError(_("The backup has data after its end."))
            return
        counter += 1
