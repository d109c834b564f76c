"""Personal data at rest: the data key ring, AES-GCM sealing of values and files, and keyed hashes.

``LOTFLOW_DATA_KEYS`` holds the ring, ``id:secret`` entries separated by commas, the current key first
(``2:...,1:...`` while key 1 is being rotated out). Each secret gives two keys by HKDF-SHA256, one that
encrypts and one that hashes, so a hash never reveals anything about the encryption key and the other way
round; neither comes from SECRET_KEY.

A sealed value names its format version and its key, so any key of the ring opens it and ``manage.py
rotate_data_key`` finds the values still under an old key:

- text: ``lf1:<key id>:<urlsafe base64 of nonce (12 bytes) + ciphertext and tag>``;
- files: ``LFE1``, the key id's length (1 byte), the key id, the nonce (12 bytes), ciphertext and tag.

The purpose of a value (``crm.customer.id_number``, a history field, ``file``) is authenticated with it, so a
value copied into another column does not open.

A keyed hash is ``<key id>:<hex HMAC-SHA256>``: exact phone and ID number search, the last four digits of a phone
and a birthday's day find their rows by it, never by the sealed value. A search during a rotation looks up the
hash under every key of the ring.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

TEXT_PREFIX = "lf1:"
FILE_MAGIC = b"LFE1"
NONCE = 12
KEY_ID = re.compile(r"^[A-Za-z0-9]{1,8}$")
SECRET_MIN = 32


class DataKeyError(Exception):
    """A sealed value cannot be opened (unknown key, changed or foreign data), or the ring is malformed."""


@dataclass(frozen=True)
class DataKey:
    kid: str
    cipher: AESGCM
    hash_key: bytes


def ring_parse(text: str) -> list[tuple[str, str]]:
    """``id:secret,id:secret`` as pairs, current first; a ValueError saying what is wrong (settings use it)."""
    pairs: list[tuple[str, str]] = []
    for entry in (e.strip() for e in text.split(",")):
        kid, sep, secret = entry.partition(":")
        if not sep or not KEY_ID.match(kid):
            raise ValueError("each entry is <key id>:<secret>, the key id 1 to 8 letters or digits")
        if len(secret) < SECRET_MIN:
            raise ValueError(f"the secret of key {kid} is shorter than {SECRET_MIN} characters")
        if kid in dict(pairs):
            raise ValueError(f"key id {kid} appears twice")
        pairs.append((kid, secret))
    return pairs


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lotflow data keys", info=purpose).derive(secret.encode())


@lru_cache(maxsize=4)
def _ring(text: str) -> tuple[DataKey, ...]:
    return tuple(
        DataKey(kid, AESGCM(_derive(secret, b"encrypt v1")), _derive(secret, b"keyed hash v1"))
        for kid, secret in ring_parse(text)
    )


def ring() -> tuple[DataKey, ...]:
    """The keys, current first (read from settings each time, so a test's override takes effect)."""
    value = settings.LOTFLOW_DATA_KEYS
    return _ring(value if isinstance(value, str) else ",".join(f"{k}:{s}" for k, s in value))


def current() -> DataKey:
    return ring()[0]


def _key(kid: str) -> DataKey:
    for key in ring():
        if key.kid == kid:
            return key
    raise DataKeyError(f"data key {kid!r} is not in LOTFLOW_DATA_KEYS: add it back to read this value")


# --- values ---------------------------------------------------------------------------


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TEXT_PREFIX)


def key_id_of(value: str) -> str | None:
    """The key a sealed text value is under (None for a value in clear)."""
    return value[len(TEXT_PREFIX) :].split(":", 1)[0] if is_sealed(value) else None


def seal_text(plain: str, purpose: str) -> str:
    """``plain`` sealed under the current key; "" stays "" (an empty field says nothing and needs no key)."""
    if plain == "":
        return ""
    key = current()
    nonce = os.urandom(NONCE)
    sealed = key.cipher.encrypt(nonce, plain.encode(), purpose.encode())
    return f"{TEXT_PREFIX}{key.kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_text(stored: str, purpose: str) -> str:
    """The clear value of ``seal_text``'s output. A value in clear (written before encryption) is returned as is."""
    if not is_sealed(stored):
        return stored
    kid, _, body = stored[len(TEXT_PREFIX) :].partition(":")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        return _key(kid).cipher.decrypt(raw[:NONCE], raw[NONCE:], purpose.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise DataKeyError(f"a sealed {purpose} value does not open under key {kid!r}: changed or foreign") from error


def seal_bytes(plain: bytes, purpose: str = "file") -> bytes:
    key = current()
    nonce = os.urandom(NONCE)
    kid = key.kid.encode()
    header = FILE_MAGIC + bytes([len(kid)]) + kid
    return header + nonce + key.cipher.encrypt(nonce, plain, header + purpose.encode())


def bytes_key_id(data: bytes) -> str | None:
    """The key a sealed file is under (None for a file in clear)."""
    if not data.startswith(FILE_MAGIC) or len(data) < 5:
        return None
    return data[5 : 5 + data[4]].decode(errors="replace")


def open_bytes(data: bytes, purpose: str = "file") -> bytes:
    """The clear content of ``seal_bytes``'s output; a file in clear (stored before encryption) as is."""
    kid = bytes_key_id(data)
    if kid is None:
        return data
    start = 5 + data[4]
    header, nonce, body = data[:start], data[start : start + NONCE], data[start + NONCE :]
    try:
        return _key(kid).cipher.decrypt(nonce, body, header + purpose.encode())
    except InvalidTag as error:
        raise DataKeyError(f"a sealed {purpose} does not open under key {kid!r}: changed or foreign") from error


# --- keyed hashes -----------------------------------------------------------------------


def keyed_hash(purpose: str, value: str, *, key: DataKey | None = None, length: int = 40) -> str:
    """``<key id>:<hex>``, the HMAC of ``value`` for this purpose under the current key (or ``key``)."""
    key = key or current()
    digest = hmac.new(key.hash_key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()
    return f"{key.kid}:{digest[:length]}"


def keyed_hashes(purpose: str, value: str, *, length: int = 40) -> list[str]:
    """The hash under every key of the ring, current first: what a look-up matches during a rotation."""
    return [keyed_hash(purpose, value, key=key, length=length) for key in ring()]


def hash_key_id(value: str) -> str:
    return value.split(":", 1)[0]
