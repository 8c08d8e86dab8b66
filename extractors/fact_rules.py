"""Load the fact components' rule files from ``extractors/data/`` and compile them once.

Rules are data (``fact_cues.json``, ``context_rules.json``, ``litigation_targets.jsonl``,
``events.jsonl``, ``relevance_terms.json``); this module only reads and compiles them.

Example::

    >>> cues = cue_regex(["Contracts?", "worth"])
    >>> nearest(cues, "a contract worth £5m", 17, 20)
    1
    >>> nearest(cues, "nothing here", 0, 4) is None
    True
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any, Iterable

DATA_PACKAGE = "hjwatch.extractors.data"


@functools.lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """A JSON data file shipped in ``hjwatch.extractors.data``."""
    return json.loads(resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def load_jsonl(name: str) -> tuple[dict, ...]:
    """A JSON-lines data file: one object a line; blank lines and ``//`` comments skipped."""
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("//"):
            rows.append(json.loads(line))
    return tuple(rows)


def rule_regex(pattern: str, *, whole_words: bool = True) -> re.Pattern[str]:
    """Compile a rule for *lowered* text (see ``lowered``).

    Matching lower-case text without ``re.IGNORECASE`` is several times faster in Python's
    ``re`` (the engine can skip ahead on literal characters), so rules are lower-cased once here
    and every component matches ``lowered(text)``, whose offsets equal the original's.
    """
    body = pattern.lower()
    if whole_words:
        body = r"(?<![\w-])(?:" + body + r")(?![\w])"
    return re.compile(body)


def cue_regex(fragments: Iterable[str]) -> re.Pattern[str]:
    """One alternation of whole-word fragments, for lowered text."""
    parts = sorted(set(fragments), key=len, reverse=True)
    return rule_regex("|".join(parts))


def lowered(text: str) -> str:
    """``text`` in lower case with the same length, so offsets carry over.

    >>> lowered("HMP Belmarsh"), len(lowered("İstanbul")) == len("İstanbul")
    ('hmp belmarsh', True)
    """
    low = text.lower()
    if len(low) == len(text):
        return low
    # A few characters ("İ") grow when lowered; keep those as they are.
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def nearest(regex: re.Pattern[str], segment: str, start: int, end: int) -> int | None:
    """Distance in characters from ``segment[start:end]`` to the nearest cue, or None."""
    best = None
    for m in regex.finditer(segment):
        if m.end() <= start:
            d = start - m.end()
        elif m.start() >= end:
            d = m.start() - end
        else:
            d = 0
        if best is None or d < best:
            best = d
    return best


def segments_of(doc):
    """The ``Segments`` of a Doc, computed once and shared by the fact components."""
    from hjwatch.extractors.segments import Segments

    # ``doc.text`` is rebuilt from the tokens on every access, so components read the text
    # from here (``segments_of(doc).text``) and it is built once per Doc.
    segs = doc.user_data.get("hj_segments")
    if segs is None:
        segs = Segments(doc.text)
        doc.user_data["hj_segments"] = segs
    return segs


def add_fact(doc, start: int, end: int, label: str, value: str = "") -> None:
    """Add an evidence span to ``doc.spans["hj_facts"]`` (it becomes a mention).

    The span covers the tokens overlapping ``start:end`` (like ``char_span(...,
    alignment_mode="expand")``, which walks every token of the Doc on each call: too slow for
    dozens of facts per document).
    """
    import bisect

    from spacy.tokens import Span

    starts = doc.user_data.get("hj_token_starts")
    if starts is None or len(starts) != len(doc):
        from spacy.attrs import IDX

        starts = doc.to_array([IDX]).tolist() if len(doc) else []  # no Token objects made
        doc.user_data["hj_token_starts"] = starts
    if not starts or end <= start:
        return
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    last = max(bisect.bisect_left(starts, end), first + 1)
    span = Span(doc, first, last, label=label, span_id=value)
    if "hj_facts" not in doc.spans:
        doc.spans["hj_facts"] = []
    doc.spans["hj_facts"].append(span)
