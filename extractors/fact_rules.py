"""Load the fact components' rule files from ``extractors/data/`` and compile them once.

Rules are data (``fact_cues.json``, ``context_rules.json``, ``litigation_targets.jsonl``,
``events.jsonl``, ``relevance_terms.json``); this module only reads and compiles them.

Example::

    >>> cues = cue_regex(["contracts?", "worth"])
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


def cue_regex(fragments: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive alternation of whole-word fragments."""
    parts = sorted(set(fragments), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)


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

    segs = doc.user_data.get("hj_segments")
    if segs is None or segs.text is not doc.text:
        segs = Segments(doc.text)
        doc.user_data["hj_segments"] = segs
    return segs


def add_fact(doc, start: int, end: int, label: str, value: str = "") -> None:
    """Add an evidence span to ``doc.spans["hj_facts"]`` (it becomes a mention)."""
    span = doc.char_span(start, end, label=label, alignment_mode="expand", span_id=value)
    if span is None:
        return
    if "hj_facts" not in doc.spans:
        doc.spans["hj_facts"] = []
    doc.spans["hj_facts"].append(span)
