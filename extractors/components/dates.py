"""``hj_dates``: contract lengths (``doc._.durations_months``) and stated contract start and end
dates (``doc._.contract_start``, ``doc._.contract_end``, ISO strings or None).

Durations come from ``parse_durations.find_durations``; one is kept when its segment speaks of
a contract (term, extension, option, period, deal...) and no "history" word sits just before
or after it ("for the last 10 years", "aged", "ago", "jailed for"). Extension options count:
"five years with the option to extend for up to two years" gives 60 and 24.

Dates come from ``parse_dates.find_dates`` (own patterns; dateparser reads only those spans).
In order of trust:

1. a field label: "Contract start date" / "Contract end date", "Start date:", "Lot 1 Contract
   Start: 2025-05-11T00:00:00+01:00", "Contract start 01/10/2026; contract end 30/09/2031";
2. the first range in a contract context: "from 1st June 2024 to 31st May 2025",
   "start on 1st June 2025 and run to 31st March 2032", "Contract period: X to Y";
3. a single date after a start or end verb: "will commence from 1st April 2013",
   "runs out on 31 March 2023".

A month without a day ("services start in July 2024") is never a start date, and deadlines,
publication and standstill dates are not contract dates. Cue lists: ``data/fact_cues.json``.

Example::

    >>> import spacy; from hjwatch.extractors.components import register_extensions
    >>> register_extensions(); nlp = spacy.blank("en"); _ = nlp.add_pipe("hj_dates")
    >>> doc = nlp("A seven-year contract, commencing on the 01 April 2026. Bids close 3 May 2025.")
    >>> doc._.durations_months, doc._.contract_start, doc._.contract_end
    ([84], '2026-04-01', None)
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from hjwatch.extractors.fact_rules import (
    add_fact, cue_regex, load_json, nearest, rule_regex, segments_of)
from hjwatch.extractors.parse_dates import DateSpan, find_date_spans
from hjwatch.extractors.parse_durations import find_durations

# How far back (characters) a start/end verb may sit from the date it governs.
VERB_REACH = 70
# OCDS JSON states the contract period as fields (``tenderPeriod`` is the bidding window).
_OCDS_PERIOD = re.compile(r'"contractPeriod"\s*:\s*\{[^{}]*\}')
_OCDS_FIELD = re.compile(r'"(startDate|endDate)"\s*:\s*"([^"]{8,40})"')
_MONEY_AFTER = re.compile(r"\s*[-–:]?\s*(?:£|Â|PS\d|GBP)")


class DatesFinder:
    def __init__(self, nlp: Language, name: str, cues_file: str) -> None:
        cues = load_json(cues_file)
        dur, dates = cues["duration"], cues["dates"]
        self.dur_positive = cue_regex(dur["positive"])
        self.dur_negative = cue_regex(dur["negative"])
        self.dur_window = int(dur.get("negative_window", 22))
        self.future_length = rule_regex(dur["future_length"]["before"], whole_words=False)
        self.future_subjects = cue_regex(dur["future_length"]["subjects"])
        self.after_start_date = rule_regex(dur["after_start_date"], whole_words=False)
        self.start_then_length = rule_regex(dates["start_then_length"], whole_words=False)
        self.ctx_positive = cue_regex(dates["context_positive"])
        self.ctx_negative = cue_regex(dates["context_negative"])
        # A label is the whole text before the date in its segment (or since the previous
        # date): "Contract start date:", "; contract end", "The contract start date is".
        head = r"^[\s;,.•*\-–]*(?:the\s+)?(?:"
        tail = (r")\s*(?:\(?dd/mm/yyyy\)?)?\s*(?:is|will be|was)?\s*[:\-–]?\s*"
                r"(?:on\s+|from\s+)?(?:the\s+)?$")
        # All rules match the lowered text (``Segments.lower``): see fact_rules.rule_regex.
        self.start_label = rule_regex(head + dates["start_label"] + tail, whole_words=False)
        self.end_label = rule_regex(head + dates["end_label"] + tail, whole_words=False)
        self.range_label = rule_regex(dates["range_label"])
        self.start_cue = rule_regex(dates["start_cue"])
        self.end_cue = rule_regex(dates["end_cue"])
        # "from" starts a contract only right before the date ("from 1 April 2025").
        self.start_adjacent = rule_regex(
            rf"\b(?:{dates['start_cue_adjacent']})\s+(?:the\s+)?$", whole_words=False)
        self.conditional = rule_regex(dates["conditional"], whole_words=False)
        self.joiner = rule_regex(
            rf"^\s*,?\s*(?:{dates['range_joiner']})\s*(?:on\s+)?(?:the\s+)?$", whole_words=False)

    def __call__(self, doc: Doc) -> Doc:
        segs = segments_of(doc)
        text = segs.text
        months: list[int] = []
        start = end = None
        if any(ch.isdigit() for ch in text) or "year" in text or "month" in text:
            for d in find_durations(text):
                if _MONEY_AFTER.match(text, d.end):
                    continue  # "Five years - PS45,100,765": a label on a value column
                if self.is_contract_length(segs, d.start, d.end):
                    add_fact(doc, d.start, d.end, "DURATION", str(d.months))
                    if d.months not in months:
                        months.append(d.months)
            start, end = self.contract_dates(doc, segs, find_date_spans(text))
        doc._.durations_months = months
        doc._.contract_start = start
        doc._.contract_end = end
        return doc

    # -- durations ---------------------------------------------------------------------------
    def is_contract_length(self, segs, start: int, end: int) -> bool:
        s, e = segs.find(start)
        seg = segs.lower[s:max(e, end)]
        ls, le = start - s, end - s
        before = seg[max(0, ls - 40):ls]
        if self.after_start_date.search(before) and not self.term_vetoed(seg[:ls]):
            return True  # "from 1 April 2024 for twelve months"
        if self.future_length.search(before) and (
                self.future_subjects.search(seg) or self.dur_positive.search(seg)):
            return True  # "Works will start in January 2025 and last 18 months"
        near = seg[max(0, ls - self.dur_window):min(len(seg), le + self.dur_window)]
        if self.dur_negative.search(near):
            return False
        if self.dur_positive.search(seg):
            return True
        label = segs.label_before((s, e)).lower()
        return bool(label and self.dur_positive.search(label))

    def term_vetoed(self, before: str) -> bool:
        """A sentence word that makes "from <date> for <length>" no contract term
        ("jailed from ...", "the consultation runs from ...")."""
        return bool(self.dur_negative.search(before) or self.ctx_negative.search(before))

    # -- dates -------------------------------------------------------------------------------
    def contract_dates(self, doc: Doc, segs, dates: list[DateSpan]):
        if not dates:
            return None, None
        labelled_start = labelled_end = None
        range_pair = conditional_pair = None
        verb_start = verb_end = None
        low = segs.lower
        for i, d in enumerate(dates):
            s, e = segs.find(d.start)
            prev_end = max(s, dates[i - 1].end) if i and dates[i - 1].end > s else s
            prefix = low[prev_end:d.start]
            label = segs.label_before((s, e)).lower() if prefix.strip() == "" else ""
            k = segs.index(d.start)
            before = low[segs.spans[k - 1][0]:segs.spans[k - 1][1]] if k else ""
            # Only the spans selected below are read (dateparser is the slow part).
            if labelled_start is None and (self.start_label.search(prefix) or _is_label(self.start_label, label)):
                labelled_start = d if d.iso else None
            elif labelled_end is None and (self.end_label.search(prefix) or _is_label(self.end_label, label)):
                labelled_end = d if d.iso else None
            nxt = dates[i + 1] if i + 1 < len(dates) else None
            if (range_pair is None and nxt is not None and nxt.end <= e
                    and self.joiner.match(low[d.end:nxt.start])
                    and self.in_contract_context(low[s:e], d.start - s, nxt.end - s, label, before)
                    and d.iso and nxt.iso and nxt.iso > d.iso):
                # "from 3rd May 2026 to 2nd May 2034 if extensions are used" is the longest
                # possible term, not the stated one: keep it only as a last resort.
                if self.conditional.search(low, nxt.end, e):
                    conditional_pair = conditional_pair or (d, nxt)
                else:
                    range_pair = (d, nxt)
            cue_zone = low[max(s, d.start - VERB_REACH):d.start]
            if (verb_start is None and d.iso and self.start_adjacent.search(cue_zone)
                    and self.start_then_length.match(low, d.end, e)
                    and not self.term_vetoed(low[s:d.start])):
                verb_start = d  # "from 1 April 2024 for twelve months" states a term's start
            if (verb_start is None or verb_end is None) and self.in_contract_context(
                    low[s:e], d.start - s, d.end - s, label, before):
                kind = self.verb_kind(cue_zone)
                if kind == "start" and verb_start is None and d.iso:
                    verb_start = d
                elif kind == "end" and verb_end is None and d.iso:
                    verb_end = d
        range_pair = range_pair or (conditional_pair if not (verb_start or verb_end) else None)
        ocds_start, ocds_end = _ocds_period(segs.text)
        labelled_start = ocds_start or labelled_start
        labelled_end = ocds_end or labelled_end
        start = labelled_start or (range_pair[0] if range_pair else verb_start)
        end = labelled_end or (range_pair[1] if range_pair else verb_end)
        if start and end and end.iso <= start.iso:
            end = None
        for d in (start, end):
            if d is not None:
                add_fact(doc, d.start, d.end, "DATE", d.iso)
        return (start.iso if start else None), (end.iso if end else None)

    def in_contract_context(self, seg: str, ls: int, le: int, label: str, before: str = "") -> bool:
        """Nearest cue wins; the sentence before may supply the contract ("The contract runs
        for seven years. It begins on 1 October 2022"), but only at a distance."""
        pos = nearest(self.ctx_positive, seg, ls, le)
        neg = nearest(self.ctx_negative, seg, ls, le)
        if pos is None and before and self.ctx_positive.search(before):
            pos = ls + 1
        if pos is None and label and self.range_label.search(label):
            pos = len(seg)
        if pos is None and self.range_label.search(seg):
            pos = len(seg)
        return pos is not None and (neg is None or pos <= neg)

    def verb_kind(self, zone: str) -> str | None:
        """'start' or 'end' for the verb nearest before a date in ``zone``, else None."""
        if self.start_adjacent.search(zone):
            return "start"
        last_start = max((m.end() for m in self.start_cue.finditer(zone)), default=-1)
        last_end = max((m.end() for m in self.end_cue.finditer(zone)), default=-1)
        if last_start < 0 and last_end < 0:
            return None
        return "start" if last_start > last_end else "end"


def _ocds_period(text: str) -> tuple[DateSpan | None, DateSpan | None]:
    """startDate / endDate of the first OCDS ``contractPeriod`` object, as date spans."""
    if '"contractPeriod"' not in text:
        return None, None
    found: dict[str, DateSpan] = {}
    for block in _OCDS_PERIOD.finditer(text):
        for m in _OCDS_FIELD.finditer(text, block.start(), block.end()):
            span = DateSpan(m.start(2), m.end(2), m.group(2))
            if span.iso:
                found.setdefault(m.group(1), span)
        if found:
            break
    return found.get("startDate"), found.get("endDate")


def _is_label(regex: re.Pattern[str], label: str) -> bool:
    return bool(label) and bool(regex.search(label.strip(" -•*:")))


@Language.factory(
    "hj_dates",
    assigns=["doc._.durations_months", "doc._.contract_start", "doc._.contract_end", "doc.spans"],
    default_config={"cues_file": "fact_cues.json"},
)
def make_dates(nlp: Language, name: str, cues_file: str) -> DatesFinder:
    return DatesFinder(nlp, name, cues_file)
