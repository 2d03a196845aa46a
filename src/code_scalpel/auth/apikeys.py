"""The API key format: a recognizable prefix, 32 random bytes, a checksum.

Modelled on GitHub's token format: ``csk_`` + 43 base62 characters of
randomness + 6 base62 characters of CRC-32 over the random part.  The prefix
lets leak scanners find keys in code and logs; the checksum lets the server
(and a scanner) reject a mistyped or made-up key without a database lookup.
Only the SHA-256 of a key is ever stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib

PREFIX = "csk_"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_RANDOM_BYTES = 32
_BODY_LEN = 43  # ceil(256 bits / log2(62))
_CHECK_LEN = 6  # 2**32 < 62**6
KEY_RE = re.compile(rf"^{PREFIX}[0-9A-Za-z]{{{_BODY_LEN}}}[0-9A-Za-z]{{{_CHECK_LEN}}}$")
KEY_LENGTH = len(PREFIX) + _BODY_LEN + _CHECK_LEN


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), _CHECK_LEN)


def generate() -> str:
    body = _base62(int.from_bytes(secrets.token_bytes(_RANDOM_BYTES), "big"), _BODY_LEN)
    return PREFIX + body + _checksum(body)


def looks_like_key(value: str) -> bool:
    """True when ``value`` claims to be one of our keys (by its prefix), valid or not."""
    return value.startswith(PREFIX)


def well_formed(key: str) -> bool:
    """Shape and checksum, no lookup: a mistyped key fails here."""
    if not KEY_RE.match(key):
        return False
    body = key[len(PREFIX) : len(PREFIX) + _BODY_LEN]
    return secrets.compare_digest(_checksum(body), key[-_CHECK_LEN:])


def key_hash(key: str) -> str:
    # 256 random bits need no salt or slow hash: brute force is out of reach either way.
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def display_prefix(key: str) -> str:
    """What ``keys list`` shows so a person can tell keys apart; 8 characters of the 256-bit body."""
    return key[: len(PREFIX) + 8]
