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
exactly (pigeonhole), so a band lookup finds candidates without a scan; a candidate within
``MAX_DISTANCE`` bits (or ``TITLE_MAX_DISTANCE`` with the same title) is a near-duplicate.

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
from collections import Counter
from typing import Any

import numpy as np

# Texts with fewer content words than this get no fingerprint: too little to tell copies apart.
MIN_WORDS = 40
# Hamming distances still called a near-duplicate. Measured with ../shared/corpus/dev: a real
# syndicated copy of seed-002 (the BBC story reposted on another site) 0 bits; seed-002 with
# site navigation and footer 2, cut to its first 80% 2; seed-001 with/without its site banners
# 5; a rewrite of the same news 21; the 300 pairs of distinct (same-topic) corpus documents 16
# or more. Within MAX_DISTANCE a copy is always found (a 16-bit band matches); up to
# TITLE_MAX_DISTANCE it counts only when the headline is the same too, so that a merely
# similar story is never suppressed from the alerts.
MAX_DISTANCE = 3
TITLE_MAX_DISTANCE = 6

# Function words carry no topic and make every English text alike.
STOP_WORDS = frozenset(
    "the a an of and or to in on for at by with from as is was were be been has have had it its "
    "that this which who said says will would not but are their they he she we our".split()
)

_WORD = re.compile(r"\w+", re.UNICODE)


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
        # " ".join(s.split()) is what re.sub(r"\s+", " ", s).strip() gave (str.split and re's \s
        # agree on every code point; checked over all of Unicode) at a seventh of the cost.
        h.update(" ".join((title or "").split()).encode("utf-8"))
        h.update(b"\0")
        h.update(" ".join(text.split()).encode("utf-8"))
    else:
        h.update(b"body\0")
        h.update(body or b"")
    return h.hexdigest()


def words(text: str) -> list[str]:
    """Lower-cased word tokens (punctuation, quotes and spacing styles do not matter)."""
    return _WORD.findall(text.lower())


def features(text: str) -> Counter:
    """Word counts without stop words: the features simhash weighs.

    Measured on real texts (see ``MAX_DISTANCE``): weighted single words keep a copy with
    site banners or a cut ending within a few bits, where word 3-gram shingles moved 6-13 bits.

    >>> features("The trust and the prison; the trust.")
    Counter({'trust': 2, 'prison': 1})
    """
    # Count every token first and drop stop words from the (much smaller) vocabulary after:
    # about a third cheaper than filtering each token on the way in.
    counts = Counter(words(text))
    for word in [w for w in counts if len(w) < 2 or w in STOP_WORDS]:
        del counts[word]
    return counts


_WORD_HASHES: dict[str, bytes] = {}
WORD_HASH_CACHE = 200_000


def word_hash(word: str) -> bytes:
    """A word's 64-bit hash (cached: a news vocabulary repeats across stories).

    >>> len(word_hash("prison")), word_hash("prison") == word_hash("prison")
    (8, True)
    """
    digest = _WORD_HASHES.get(word)
    if digest is None:
        digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
        if len(_WORD_HASHES) < WORD_HASH_CACHE:  # bounded: a huge crawl's rare words are not kept
            _WORD_HASHES[word] = digest
    return digest


def simhash(text: str | None) -> int | None:
    """The 64-bit simhash of ``text`` (unsigned), or ``None`` for a text too short to judge."""
    counts = features(text or "")
    if sum(counts.values()) < MIN_WORDS:
        return None
    get = _WORD_HASHES.get
    digests = b"".join([get(w) or word_hash(w) for w in counts])
    # bit i of every feature's hash as a 0/1 matrix (n, 64), most significant bit first.
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(-1, 8), axis=1)
    weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    # A bit is set where the weighted vote sum(w * (2*bit - 1)) is positive, i.e. where
    # sum(w * bit) > sum(w) / 2 (exact: the weights are whole counts).
    votes = weights @ bits - weights.sum() / 2
    return int.from_bytes(np.packbits(votes > 0).tobytes(), "big")


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
