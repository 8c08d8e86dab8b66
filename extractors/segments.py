"""Clause-sized pieces of a text, for the fact components' context decisions.

spaCy's sentencizer splits on sentence punctuation only, but notices are laid out as
label / value lines ("Value of contract" on one line, "£8,295,000" on the next) with no full
stops at all. The fact components therefore judge context on *segments*: a line, cut further
at sentence ends, and they may look one short line back for a field label.

Example::

    >>> text = "Value of contract\\n£8,295,000\\n\\nThe trust won. It starts soon."
    >>> segs = Segments(text)
    >>> [text[s:e] for s, e in segs.spans]
    ['Value of contract', '£8,295,000', 'The trust won.', 'It starts soon.']
    >>> seg = segs.find(20)
    >>> text[seg[0]:seg[1]], segs.label_before(seg)
    ('£8,295,000', 'Value of contract')
"""

from __future__ import annotations

import bisect
import re

# A sentence ends at . ! ? (optionally closed by a quote or bracket) followed by space and an
# upper-case letter, £ or opening quote; "i.e. 3" or "Co. Regn" stay whole most of the time.
_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)\]]?\s+(?=[\"“‘(]?[A-Z£])")
_LINE = re.compile(r"[^\n]+")
_ABBREV = re.compile(
    r"(?:^|[\s(])(?:approx|c|ca|circa|e\.g|i\.e|etc|no|nos|co|ltd|inc|est|incl|excl|st|dr|mr|mrs|ms|prof|vs|v|ref|para|reg|regs|art|sec|cf|al)\.$",
    re.IGNORECASE,
)
# Lines this short are labels or bare values ("Closing date", "- Tender Value").
SHORT_LINE = 60
MAX_SEGMENT = 2000


class Segments:
    """Segments of ``text`` as sorted ``(start, end)`` character spans."""

    __slots__ = ("text", "lower", "spans", "_starts")

    def __init__(self, text: str) -> None:
        from hjwatch.extractors.fact_rules import lowered

        self.text = text
        self.lower = lowered(text)  # same offsets; what the rule regexes match
        spans: list[tuple[int, int]] = []
        for line in _LINE.finditer(text):
            if not line.group().strip():
                continue
            start = line.start()
            for cut in _SENT_END.finditer(line.group()):
                end = line.start() + cut.start()
                if _ABBREV.search(text, max(start, end - 12), end):
                    continue  # "approx. £46 million", "Co. Regn", "e.g. HMP Leeds"
                _add(spans, text, start, end)
                start = line.start() + cut.end()
            _add(spans, text, start, line.end())
        self.spans = spans
        self._starts = [s for s, _ in spans]

    def find(self, pos: int) -> tuple[int, int]:
        """The segment holding character ``pos`` (or the nearest one before it)."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return (0, 0)
        return self.spans[i]

    def index(self, pos: int) -> int:
        return max(bisect.bisect_right(self._starts, pos) - 1, 0)

    def label_before(self, seg: tuple[int, int], max_len: int = SHORT_LINE) -> str:
        """The previous segment when it is a short line of its own (a field label), else ''.

        Only used when ``seg`` itself is short: a value on its own line belongs to the label
        above it; a sentence does not.
        """
        i = bisect.bisect_left(self._starts, seg[0]) - 1
        if i < 0 or seg[1] - seg[0] > max_len:
            return ""
        ps, pe = self.spans[i]
        if pe - ps > max_len or "\n" not in self.text[pe:seg[0]]:
            return ""
        return self.text[ps:pe]


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    # A run-on "sentence" (minified JSON, a table flattened to one line) is cut into pieces of
    # at most MAX_SEGMENT characters at spaces, so context searches stay local and linear.
    while end - start > MAX_SEGMENT:
        cut = text.rfind(" ", start + MAX_SEGMENT // 2, start + MAX_SEGMENT)
        cut = cut if cut != -1 else start + MAX_SEGMENT
        _add(spans, text, start, cut)
        start = cut
    # Trim surrounding whitespace so spans are exact substrings worth showing.
    piece = text[start:end]
    core = piece.strip()
    if core:
        start += len(piece) - len(piece.lstrip())
        spans.append((start, start + len(core)))
