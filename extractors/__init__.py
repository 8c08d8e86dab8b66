"""The extractor: text (or HTML) in, the CONTRACT.md record out.

Library first::

    >>> from hjwatch.extractors import extract
    >>> rec = extract("Oxleas NHS Foundation Trust lost the contract for HMP Belmarsh.")
    >>> rec["prisons"], rec["trusts"]
    (['HMP Belmarsh'], ['Oxleas NHS Foundation Trust'])

The pipeline is ``spacy.blank("en")`` plus our own components, registered with
``@Language.factory`` in ``extractors/components/`` and driven by data files in
``extractors/data/`` (gazetteers, patterns, context rules). No model is downloaded.

Components write their results to the ``Doc``:

- ``doc.spans["hj_entities"]``: spans labelled PRISON, TRUST, COMPANY, BUYER whose ``id_`` is the
  canonical gazetteer name ("" for a name that is not in a gazetteer: reported as written);
- ``doc.spans["hj_facts"]``: MONEY, DURATION, DATE, LITIGATION evidence spans (for mentions
  and the review queue);
- ``doc._.values_gbp``, ``doc._.durations_months``, ``doc._.contract_start``,
  ``doc._.contract_end``, ``doc._.litigation``, ``doc._.litigation_snippets``,
  ``doc._.events``, ``doc._.relevant``, ``doc._.relevance_score``.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from hjwatch.extractors.components import PIPELINE, register_extensions
from hjwatch.extractors.text import html_to_text, looks_like_html

# Bump when the extractor's output can change, so `hjwatch reextract` knows what is stale.
EXTRACTOR_VERSION = "0.3.0"

# spaCy's default max_length (1,000,000) refuses longer texts; our components are linear.
MAX_LENGTH = 20_000_000

# Longer texts are read only this far (about 300 pages; extraction runs at roughly 0.3 MB/s).
# A notice or an article is far shorter: a text this long is a dump or a report, and its
# first two million characters name the parties. A warning says so; the stored raw document
# is never cut.
MAX_EXTRACT_CHARS = 2_000_000

ENTITY_FIELDS = {"TRUST": "trusts", "PRISON": "prisons", "COMPANY": "companies", "BUYER": "buyers"}

_lock = threading.Lock()
log = logging.getLogger(__name__)


def build_nlp() -> Language:
    """A fresh pipeline: ``spacy.blank("en")`` plus the hjwatch components, in order."""
    register_extensions()
    nlp = spacy.blank("en")
    nlp.max_length = MAX_LENGTH
    for name, config in PIPELINE:
        nlp.add_pipe(name, config=config)
    return nlp


@functools.lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline, built once per process (gazetteer loading is the slow part)."""
    with _lock:
        return build_nlp()


def record_from_doc(doc: Doc) -> dict[str, Any]:
    """Turn an annotated ``Doc`` into the CONTRACT.md record (without ``path``)."""
    names: dict[str, list[str]] = {f: [] for f in ENTITY_FIELDS.values()}
    mentions = []
    for span in sorted(doc.spans.get("hj_entities", []), key=lambda s: s.start_char):
        canonical = span.id_ or None
        field = ENTITY_FIELDS.get(span.label_)
        if field:
            name = canonical or span.text
            if name not in names[field]:
                names[field].append(name)
        mentions.append(
            {"label": span.label_, "text": span.text, "start": span.start_char,
             "end": span.end_char, "canonical": canonical}
        )
    for span in doc.spans.get("hj_facts", []):
        mentions.append(
            {"label": span.label_, "text": span.text, "start": span.start_char,
             "end": span.end_char, "canonical": span.id_ or None}
        )
    mentions.sort(key=lambda m: (m["start"], m["end"]))
    return {
        "relevant": bool(doc._.relevant),
        "trusts": names["trusts"],
        "prisons": names["prisons"],
        "companies": names["companies"],
        "buyers": names["buyers"],
        "values_gbp": list(doc._.values_gbp or []),
        "durations_months": list(doc._.durations_months or []),
        "contract_start": doc._.contract_start,
        "contract_end": doc._.contract_end,
        "litigation": bool(doc._.litigation),
        "litigation_snippets": list(doc._.litigation_snippets or []),
        "events": list(doc._.events or []),
        "relevance_score": doc._.relevance_score,
        "mentions": mentions,
    }


def clip(text: str, limit: int = MAX_EXTRACT_CHARS) -> str:
    r"""``text`` cut to at most ``limit`` characters, at a paragraph or line break when possible.

    >>> clip("one\n\ntwo three", limit=8)
    'one'
    """
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", limit // 2, limit)
    return text[: cut if cut > 0 else limit].rstrip()


def extract_text(text: str, nlp: Language | None = None) -> dict[str, Any]:
    """Extract from plain text; ``mentions`` offsets refer to ``text``.

    Texts over ``MAX_EXTRACT_CHARS`` are read up to that point, with a warning.
    """
    nlp = nlp or get_nlp()
    if len(text) > MAX_EXTRACT_CHARS:
        log.warning("text of %s characters: extracting from the first %s only", f"{len(text):,}", f"{MAX_EXTRACT_CHARS:,}")
        text = clip(text)
    return record_from_doc(nlp(text))


def extract(content: str, *, html: bool | None = None, nlp: Language | None = None) -> dict[str, Any]:
    """Extract from plain text or HTML (detected unless ``html`` is given).

    For HTML the main text is extracted first (navigation, banners and footers dropped) and
    ``mentions`` offsets refer to that text, which is returned as ``record["text"]`` only when
    the input was HTML.
    """
    is_html = looks_like_html(content) if html is None else html
    if is_html:
        article = html_to_text(content)
        record = extract_text(article.text, nlp)
        record["text"] = article.text
        return record
    return extract_text(content, nlp)


def extract_many(texts, *, batch_size: int = 32, nlp: Language | None = None):
    """Extract from an iterable of plain texts using ``nlp.pipe`` (for reextract and benchmarks)."""
    nlp = nlp or get_nlp()
    for doc in nlp.pipe((clip(t) for t in texts), batch_size=batch_size):
        yield record_from_doc(doc)
