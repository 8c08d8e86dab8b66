"""``hj_events``: what happened to the contract (``doc._.events``, in order of first mention).

Labels: award, tender, intention_to_award, loss, withdrawal, notice_served, legal_challenge,
modification, extension, market_engagement, prior_information, inspection, other.
Patterns are data (``data/events.jsonl``), including notice form types (F15 VEAT and UK6/UK7
are awards, F02/F21 contract notices and UK4 are tenders, UK1/UK3 are prior information,
UK2 is market engagement, UK10 is a modification). ``legal_challenge`` follows
``hj_litigation``; a document with no event gets ``["other"]``.

Conventions from the annotation notes: an *option* to extend is not an extension event
("with an optional two-year extension"); a contract actually extended or re-awarded for
"one more year" is. A provider choosing not to re-bid is a withdrawal, not notice served.
An inspection counts only when a custodial setting is named in the same segment (a CQC
report on a trust as a whole is background). A match just after a negation ("did not win
the contract") is ignored.

Example::

    >>> import spacy; from hjwatch.extractors.components import register_extensions
    >>> register_extensions(); nlp = spacy.blank("en"); _ = nlp.add_pipe("hj_events")
    >>> nlp("The trust lost the contract. Practice Plus Group has won the contract.")._.events
    ['loss', 'award']
    >>> nlp("The contract has an optional two-year extension.")._.events
    ['other']
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from hjwatch.extractors.fact_rules import cue_regex, load_json, load_jsonl, rule_regex, segments_of

EVENTS = ("award", "tender", "intention_to_award", "loss", "withdrawal", "notice_served",
          "legal_challenge", "modification", "extension", "market_engagement",
          "prior_information", "inspection", "other")
# Words that, just before a match, turn it into its opposite or a mere possibility.
_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|nor|didn't|did not|failed to|unsuccessful(?:ly)?|could|might|may|would"
    r"|option to|option of|optional|if|whoever|whichever|once)\s+(?:\w+\s+){0,2}"
    r"|\b(?:expects?|expected|aims?|hopes?) to\s+(?:\w+\s+){0,3})$",
)
# Banner text that names an event of *another* notice ("Awarded contract (published ...)").
_IGNORE = re.compile(r"awarded contract \(published|latest notice for this procurement")


class EventFinder:
    def __init__(self, nlp: Language, name: str, events_file: str, terms_file: str) -> None:
        terms = load_json(terms_file)
        self.contexts = {"custodial": cue_regex(terms["custodial"])}
        self.rules = []
        for row in load_jsonl(events_file):
            if row["event"] not in EVENTS:
                raise ValueError(f"{events_file}: unknown event {row['event']!r}")
            regex = rule_regex(row["pattern"])  # matched against lowered text
            gate = tuple(row.get("gate") or ())
            self.rules.append((row["event"], regex, row.get("requires"), row.get("yields_to"), gate))

    def __call__(self, doc: Doc) -> Doc:
        segs = segments_of(doc)
        text = segs.lower
        first: dict[str, int] = {}
        ignore = [m.span() for m in _IGNORE.finditer(text)]
        # event -> the events its only evidence gives way to ("Award 09 May 2025 at 15:02" in
        # an aggregator's release list yields to an intention to award in the text).
        weak: dict[str, set[str]] = {}
        strong: set[str] = set()
        for event, regex, requires, yields_to, gate in self.rules:
            if gate and not any(word in text for word in gate):
                continue  # none of the rule's words occur: skip the (slower) pattern
            for m in regex.finditer(text):
                if m.start() >= first.get(event, len(text) + 1):
                    break
                if any(a <= m.start() < b for a, b in ignore):
                    continue
                if _NEGATION.search(text, max(0, m.start() - 40), m.start()):
                    continue
                if requires:
                    s, e = segs.find(m.start())
                    if not self.contexts[requires].search(text, s, max(e, m.end())):
                        continue
                if yields_to:
                    weak.setdefault(event, set()).add(yields_to)
                else:
                    strong.add(event)
                first[event] = m.start()
                break
        for event, winners in weak.items():
            if event not in strong and event in first and winners & first.keys():
                del first[event]
        if doc._.litigation:
            spans = [sp.start_char for sp in doc.spans.get("hj_facts", []) if sp.label_ == "LITIGATION"]
            first["legal_challenge"] = min(spans) if spans else len(text)
        events = sorted(first, key=lambda ev: first[ev]) or ["other"]
        doc._.events = events
        return doc


@Language.factory(
    "hj_events",
    assigns=["doc._.events"],
    requires=["doc._.litigation"],
    default_config={"events_file": "events.jsonl", "terms_file": "relevance_terms.json"},
)
def make_events(nlp: Language, name: str, events_file: str, terms_file: str) -> EventFinder:
    return EventFinder(nlp, name, events_file, terms_file)
