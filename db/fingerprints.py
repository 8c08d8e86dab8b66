"""Content hashes (is this the same document?) and simhash (is this the same story?).

A content hash decides *unchanged* versus *new revision*. It is taken over what a reader
would call the content, not over bytes that change on every fetch: for a notice the release
JSON in canonical form (key order and spacing do not matter), for a page its title and
extracted text (rotating ads, CSRF tokens and timestamps in the HTML do not count), and the raw
body only when there is neither.

Simhash (Charikar) gives near-identical texts near-identical 64-bit fingerprints. A syndicated
copy of a story (same words, different site furniture) lands within a few bits of the
original; a rewrite of the same news does not. The fingerprint is split into four 16-bit bands
stored in indexed columns: two fingerprints within Hamming distance 3 share at least one band
exactly (pigeonhole), so a band lookup finds every candidate without a scan.

Example::

    >>> story = " ".join(f"word{i}" for i in range(300))
    >>> hamming(simhash(story), simhash("Home | News " + story + " Share this")) <= MAX_DISTANCE
    True
    >>> hamming(simhash(story), simhash(" ".join(f"other{i}" for i in range(300)))) > 10
    True
    >>> bands(0x0001000200030004)
    (4, 3, 2, 1)
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import numpy as np

# Word shingles of this many tokens; 3 keeps word order without making every edit costly.
SHINGLE = 3
# Texts shorter than this many words get no fingerprint: too little to tell copies apart.
MIN_WORDS = 40
# Largest Hamming distance still called a near-duplicate. Measured on a real syndicated pair
# (see db/README or the report): copies differ by 0-3 bits, distinct stories by > 20.
MAX_DISTANCE = 3

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def content_hash(*, text: str | None, title: str | None, body: bytes | None,
                 release: dict[str, Any] | None = None) -> str:
    """SHA-256 hex of the document's content (see module docstring for what counts).

    >>> content_hash(text="a  b", title="T", body=b"x") == content_hash(text="a b", title="T", body=b"y")
    True
    """
    h = hashlib.sha256()
    if release:
        h.update(b"release\0")
        h.update(json.dumps(release, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    elif text:
        h.update(b"text\0")
        h.update(_SPACE.sub(" ", title or "").strip().encode("utf-8"))
        h.update(b"\0")
        h.update(_SPACE.sub(" ", text).strip().encode("utf-8"))
    else:
        h.update(b"body\0")
        h.update(body or b"")
    return h.hexdigest()


def words(text: str) -> list[str]:
    """Lower-cased word tokens (punctuation, quotes and spacing styles do not matter)."""
    return _WORD.findall(text.lower())


def simhash(text: str | None) -> int | None:
    """The 64-bit simhash of ``text`` (unsigned), or ``None`` for a text too short to judge."""
    tokens = words(text or "")
    if len(tokens) < MIN_WORDS:
        return None
    shingles = {" ".join(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}
    digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles)
    hashes = np.frombuffer(digests, dtype=">u8")
    # bit i of every hash as a 0/1 matrix (n, 64); a bit is set where most shingles set it.
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1)
    ones = bits.sum(axis=0, dtype=np.int64)
    value = 0
    for i, count in enumerate(ones):
        if count * 2 > len(shingles):
            value |= 1 << (63 - i)
    return value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a fingerprint, lowest first (stored as sh0..sh3)."""
    return tuple((value >> (16 * i)) & 0xFFFF for i in range(4))  # type: ignore[return-value]


def to_signed(value: int) -> int:
    """SQLite integers are signed 64-bit: store an unsigned fingerprint in that range."""
    return value - (1 << 64) if value >= (1 << 63) else value


def from_signed(value: int) -> int:
    """Inverse of :func:`to_signed`."""
    return value + (1 << 64) if value < 0 else value
