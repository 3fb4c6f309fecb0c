"""Secrets at rest: random identifiers, SHA-256 digests of tokens, and App Secret encryption.

DESIGN.md, "Identifiers and secrets": tokens and gateway secrets are random, so a fast SHA-256
digest is enough to make a database dump useless; App Secrets must be shown again, so they are
encrypted with Fernet keys kept outside the database (a list, newest first, for rotation).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import string
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

BASE62 = string.ascii_letters + string.digits

#: App Key length (Cafe24 issues 22 base62 characters, about 131 bits).
CLIENT_ID_LENGTH = 22
#: App Secret, access and refresh token length: 32 base62 characters, about 190 bits,
#: above RFC 6749 §10.10's SHOULD of 160 bits.
SECRET_LENGTH = 32


#: Bytes below this map evenly onto the 62 characters (4 x 62); the rest are drawn again.
_UNBIASED_BELOW = 248
#: byte -> its character (``BASE62[byte % 62]``), for ``bytes.translate``
_TO_BASE62 = bytes(BASE62.encode("ascii")[byte % 62] for byte in range(256))
_BIASED = bytes(range(_UNBIASED_BELOW, 256))


def random_base62(length: int) -> str:
    """A CSPRNG string over [A-Za-z0-9], uniform (rejection sampling of ``os.urandom`` bytes).

    Each byte below 248 maps onto one character, each character from exactly four byte
    values; the bytes from 248 up are dropped (``translate``'s delete argument), so every
    character kept is uniform and independent of the others. In C: a quarter of a Python loop's
    time, a tenth of one ``secrets.choice`` per character. With eight spare bytes a second draw
    takes 9 of the 40 dropped, each with a chance of 1 in 32: about once in 3,000,000 strings.
    """
    out = os.urandom(length + 8).translate(_TO_BASE62, _BIASED)
    while len(out) < length:
        out += os.urandom(length + 8).translate(_TO_BASE62, _BIASED)
    return out[:length].decode("ascii")


def sha256_hex(value: str) -> str:
    """The digest under which tokens, codes and gateway secrets are stored and looked up."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


#: How many decrypted App Secrets a process keeps (emptied whole when full).
_DECRYPTED_CACHE_SIZE = 4096


class SecretBox:
    """Encrypts App Secrets with the newest key; decrypts with any key still listed."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        # Client authentication decrypts the same App Secrets over and over; the ciphertext is
        # the key, so a reissued secret (a new ciphertext) is never answered from the cache.
        self._plaintexts: dict[str, str] = {}

    @classmethod
    def from_config(cls, configured: str | None, instance_path: str) -> SecretBox:
        if configured:
            keys = [key.strip().encode() for key in configured.split(",") if key.strip()]
        else:
            keys = [_instance_key(Path(instance_path) / "encryption.key")]
        return cls(keys)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        plaintext = self._plaintexts.get(ciphertext)
        if plaintext is not None:
            return plaintext
        try:
            plaintext = self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:  # a key was dropped from the list too early
            raise ValueError("App Secret cannot be decrypted with the configured keys") from exc
        if len(self._plaintexts) >= _DECRYPTED_CACHE_SIZE:
            self._plaintexts.clear()
        self._plaintexts[ciphertext] = plaintext
        return plaintext

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the newest key (used by the key-rotation command)."""
        return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")


def _instance_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_bytes().strip()
