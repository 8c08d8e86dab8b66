"""Content hashes, simhash fingerprints and near-duplicate news (syndicated copies)."""

from __future__ import annotations

import itertools

import pytest

from hjwatch.db import pending_alerts, store_document
from hjwatch.db.fingerprints import (MAX_DISTANCE, TITLE_MAX_DISTANCE, bands, content_hash, from_signed, hamming,
                                     simhash, to_signed)

from .docs import STORY, news_doc

FURNITURE = "Home News Sport Business Health Politics\nSkip to content\n"
FOOTER = "\nRelated topics: Prisons, NHS\nShare this page\nCopyright 2025. All rights reserved."


def test_content_hash_ignores_spacing():
    assert content_hash(text="a  b\n", title="T", body=None) == content_hash(text="a b", title="T", body=None)


def test_content_hash_sees_title():
    assert content_hash(text="a", title="T1", body=None) != content_hash(text="a", title="T2", body=None)


def test_content_hash_release_key_order():
    assert content_hash(text=None, title=None, body=b"1", release={"a": 1, "b": 2}) == \
        content_hash(text=None, title=None, body=b"2", release={"b": 2, "a": 1})


def test_content_hash_falls_back_to_body():
    assert content_hash(text=None, title=None, body=b"x") != content_hash(text=None, title=None, body=b"y")


def test_short_text_has_no_fingerprint():
    assert simhash("HMP Leeds healthcare contract awarded") is None


def test_empty_text_has_no_fingerprint():
    assert simhash("") is None and simhash(None) is None


def test_fingerprint_is_64_bit():
    assert 0 <= simhash(STORY) < 2**64


def test_fingerprint_is_deterministic():
    assert simhash(STORY) == simhash(STORY)


def test_bands_split_into_16_bits():
    assert bands(0xAAAA_BBBB_CCCC_DDDD) == (0xDDDD, 0xCCCC, 0xBBBB, 0xAAAA)


@pytest.mark.parametrize("value", [0, 1, 2**63 - 1, 2**63, 2**64 - 1])
def test_signed_round_trip(value):
    assert from_signed(to_signed(value)) == value
    assert -(2**63) <= to_signed(value) < 2**63


def test_hamming():
    assert hamming(0b1011, 0b0001) == 2


def test_copy_with_site_furniture_is_near():
    assert hamming(simhash(STORY), simhash(FURNITURE + STORY + FOOTER)) <= TITLE_MAX_DISTANCE


# Real texts from ../shared/corpus (the seed documents are kept as collected).

def test_real_syndicated_variants_are_near(shared_dir):
    text = (shared_dir / "corpus" / "dev" / "seed-002.txt").read_text(encoding="utf-8")
    base = simhash(text)
    assert hamming(base, simhash(FURNITURE + text + FOOTER)) <= MAX_DISTANCE
    assert hamming(base, simhash(text[: int(len(text) * 0.8)])) <= MAX_DISTANCE


def test_real_site_banners_are_near(shared_dir):
    text = (shared_dir / "corpus" / "dev" / "seed-001.txt").read_text(encoding="utf-8")
    article = "\n".join(line for line in text.splitlines()
                        if not any(k in line for k in ("HCSA", "members and growing", "Awards",
                                                       "Network Event", "Close Search")))
    assert article != text
    assert hamming(simhash(text), simhash(article)) <= TITLE_MAX_DISTANCE


def test_real_distinct_documents_are_far(shared_dir):
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared_dir / "corpus" / "dev").glob("*.txt"))]
    hashes = [h for h in map(simhash, texts) if h is not None]
    assert len(hashes) >= 20
    closest = min(hamming(a, b) for a, b in itertools.combinations(hashes, 2))
    assert closest > 2 * TITLE_MAX_DISTANCE


# Stored near-duplicates

def test_syndicated_copy_points_to_original(fresh_db):
    original = store_document(fresh_db, news_doc())
    copy = store_document(fresh_db, news_doc(source="mirror.example.net", key="https://mirror.example.net/s/1",
                                             url="https://mirror.example.net/s/1",
                                             text=FURNITURE + STORY + FOOTER))
    assert original.duplicate_of is None
    assert copy.duplicate_of == original.doc_id


def test_near_copy_with_another_title_is_not_a_duplicate(fresh_db):
    # 4-6 bits apart counts only with the same headline: a similar story is never suppressed
    store_document(fresh_db, news_doc())
    text = FURNITURE + STORY + FOOTER
    assert MAX_DISTANCE < hamming(simhash(STORY), simhash(text)) <= TITLE_MAX_DISTANCE
    r = store_document(fresh_db, news_doc(source="b.example", key="b", text=text, title="Another headline"))
    assert r.duplicate_of is None


def test_different_story_is_not_a_duplicate(fresh_db):
    store_document(fresh_db, news_doc())
    other = " ".join(f"Practice Plus Group wins the contract for HMP Leeds number {i}." for i in range(12))
    r = store_document(fresh_db, news_doc(key="https://news.example.org/other", text=other, title="Other"))
    assert r.duplicate_of is None


def test_copy_of_a_copy_points_to_the_root(fresh_db):
    a = store_document(fresh_db, news_doc())
    store_document(fresh_db, news_doc(source="b.example", key="b", text=STORY + FOOTER))
    c = store_document(fresh_db, news_doc(source="c.example", key="c", text=FURNITURE + STORY))
    assert c.duplicate_of == a.doc_id


def test_notices_get_no_fingerprint(fresh_db):
    from .docs import notice_doc
    r = store_document(fresh_db, notice_doc(text=STORY))
    assert fresh_db.execute("SELECT simhash FROM documents WHERE id = ?", [r.doc_id]).fetchone() == (None,)


def test_band_columns_stored(fresh_db):
    r = store_document(fresh_db, news_doc())
    row = fresh_db.execute("SELECT simhash, sh0, sh1, sh2, sh3 FROM documents WHERE id = ?", [r.doc_id]).fetchone()
    assert from_signed(row[0]) == simhash(STORY)
    assert tuple(row[1:]) == bands(simhash(STORY))


def test_duplicate_is_not_alerted_again(fresh_db):
    original = store_document(fresh_db, news_doc())
    store_document(fresh_db, news_doc(source="mirror.example.net", key="m", text=STORY + FOOTER))
    assert [a["id"] for a in pending_alerts(fresh_db)] == [original.doc_id]


def test_content_hash_is_stable_across_versions():
    # Pinned: the value the first release computed (whitespace folded with a regex); a change
    # here would make every stored page look changed on the next crawl.
    from hjwatch.db.fingerprints import content_hash

    title, text = " Trust  quits\tprison\u00a0contracts ", "Line one.\n\n  Line\u2003two.\r\n"
    assert content_hash(title=title, text=text, body=None) == (
        "11dd873478381091be41fdd8fcdffc3b543a363b8b669a80268e0ec657e821e2")
