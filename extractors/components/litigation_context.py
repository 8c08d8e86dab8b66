"""``hj_litigation``: is legal action or a formal challenge to an award reported?

Sets ``doc._.litigation`` (bool) and ``doc._.litigation_snippets`` (short exact substrings
that show it), and adds LITIGATION spans to ``doc.spans["hj_facts"]``.

Built the way medspacy's ConText works, with both halves as data:

- *targets* (``data/litigation_targets.jsonl``): "legal action", "High Court", "judicial
  review", "challenging that result", "Representations from providers", "formal complaint",
  "appeal" (only where an award or decision is in the same segment)...
- *modifiers* (``data/context_rules.json``): NEGATED_EXISTENCE ("no legal challenge was
  received"), HYPOTHETICAL ("could face legal action", "Representations ... must be made
  by"), each with a direction (FORWARD, BACKWARD, BIDIRECTIONAL) and a scope in words that a
  TERMINATE word ("but", "however", ";") cuts short; PSEUDO phrases ("the High Court
  building", "a challenging environment", "NHS complaints regulations") look like targets or
  modifiers and cancel what they overlap.

A target left unmodified makes the document litigious. Scopes never cross a segment
(sentence or layout line).

Example::

    >>> import spacy; from hjwatch.extractors.components import register_extensions
    >>> register_extensions(); nlp = spacy.blank("en"); _ = nlp.add_pipe("hj_litigation")
    >>> doc = nlp("No legal challenge was received. PPG is taking legal action against NHS England.")
    >>> doc._.litigation, doc._.litigation_snippets
    (True, ['PPG is taking legal action against NHS England.'])
    >>> nlp("The provider could face legal action. A photo of the High Court building.")._.litigation
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from hjwatch.extractors.fact_rules import (
    add_fact, cue_regex, load_json, load_jsonl, rule_regex, segments_of)

MAX_SNIPPET = 200  # characters; a snippet is the target's clause, cut at word boundaries
MAX_SNIPPETS = 5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Modifier:
    category: str
    direction: str
    max_scope: int | None
    regex: re.Pattern[str]


class LitigationContext:
    def __init__(self, nlp: Language, name: str, targets_file: str, rules_file: str) -> None:
        rules = load_json(rules_file)
        self.contexts = {k: cue_regex(v) for k, v in rules["contexts"].items()}
        # Every rule matches lowered text (see fact_rules.rule_regex).
        self.referral_shape = rule_regex(rules["referral_shape"], whole_words=False)
        self.review_label = rule_regex(rules["review_label"], whole_words=False)
        self.targets: list[tuple[re.Pattern[str], str | None, str]] = []
        for row in load_jsonl(targets_file):
            regex = rule_regex(row["pattern"])
            self.targets.append((regex, row.get("requires"), row["category"]))
        # Literal stems found in one fast pass pick the few segments worth examining.
        self.gate = re.compile("|".join(re.escape(w) for w in sorted(rules["gate"], key=len, reverse=True)))
        self.modifiers: list[Modifier] = []
        pseudo, terminate = [], []
        for rule in rules["rules"]:
            pattern = rule.get("pattern") or re.escape(rule["literal"])
            if rule["direction"] == "PSEUDO":
                pseudo.append(pattern)
            elif rule["direction"] == "TERMINATE":
                terminate.append(pattern)
            else:
                self.modifiers.append(Modifier(
                    rule["category"], rule["direction"], rule.get("max_scope"),
                    rule_regex(pattern)))
        self.pseudo = cue_regex(pseudo)
        self.terminate = re.compile(
            r"(?:(?<![\w-])(?:" + "|".join(p for p in terminate if p != ";").lower() + r")(?![\w]))|;")

    def __call__(self, doc: Doc) -> Doc:
        segs = segments_of(doc)
        text, low = segs.text, segs.lower
        snippets: list[str] = []
        found = False
        candidates = sorted({segs.index(m.start()) for m in self.gate.finditer(low)})
        for i in candidates:
            s, e = segs.spans[i]
            seg = low[s:e]
            # Context words may sit in the sentence before ("...to award a replacement
            # contract. However, the PCC received a challenge.").
            before = low[segs.spans[i - 1][0]:s] if i else ""
            label = segs.label_before((s, e)).lower()
            if label and self.review_label.search(label):
                continue  # "Review body" / "High Court": a form's standing field
            for ts, te in self.live_targets(seg, before):
                found = True
                add_fact(doc, s + ts, s + te, "LITIGATION")
                snippet = _snippet(text[s:e], ts, te)  # same offsets, original case
                if snippet not in snippets and len(snippets) < MAX_SNIPPETS:
                    snippets.append(snippet)
        doc._.litigation = found
        doc._.litigation_snippets = snippets
        return doc

    def live_targets(self, seg: str, before: str = "") -> list[tuple[int, int]]:
        """Target spans in ``seg`` that no PSEUDO phrase, negation or hedge cancels."""
        pseudo = [m.span() for m in self.pseudo.finditer(seg)]
        hits: list[tuple[int, int]] = []
        for regex, requires, _category in self.targets:
            if requires == "referral":
                matches = list(self.referral_shape.finditer(seg))
                if not matches or not self.contexts["referral"].search(seg):
                    continue
            else:
                if requires and not (self.contexts[requires].search(seg)
                                     or self.contexts[requires].search(before)):
                    continue
                matches = list(regex.finditer(seg))
            for m in matches:
                span = m.span()
                if any(_overlap(span, p) for p in pseudo) or any(_overlap(span, h) for h in hits):
                    continue
                hits.append(span)
        if not hits:
            return []
        mods = []
        for mod in self.modifiers:
            for m in mod.regex.finditer(seg):
                if not any(_overlap(m.span(), p) for p in pseudo):
                    mods.append((mod, m.start(), m.end()))
        return sorted(h for h in hits if not self.is_modified(seg, h, mods))

    def is_modified(self, seg: str, target: tuple[int, int], mods) -> bool:
        ts, te = target
        for mod, ms, me in mods:
            if ms >= ts and me <= te:
                if mod.category == "NEGATED_EXISTENCE":
                    return True  # "the award was not challenged"
                continue
            if me <= ts and mod.direction in ("FORWARD", "BIDIRECTIONAL"):
                between = seg[me:ts]
            elif ms >= te and mod.direction in ("BACKWARD", "BIDIRECTIONAL"):
                between = seg[te:ms]
            else:
                continue
            if self.terminate.search(between):
                continue
            if mod.max_scope is None or len(_WORD.findall(between)) <= mod.max_scope:
                return True
        return False


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _snippet(seg: str, ts: int, te: int) -> str:
    """The segment around a target, at most MAX_SNIPPET characters, cut at word boundaries."""
    if len(seg) <= MAX_SNIPPET:
        return seg
    room = max(MAX_SNIPPET - (te - ts), 0)
    start = max(0, ts - room // 2)
    end = min(len(seg), start + MAX_SNIPPET)
    start = max(0, min(start, end - MAX_SNIPPET))
    if start > 0:
        nxt = seg.find(" ", start, ts)
        start = nxt + 1 if nxt != -1 else start
    if end < len(seg):
        prev = seg.rfind(" ", te, end)
        end = prev if prev != -1 else end
    return seg[start:end].strip(" ,;")


@Language.factory(
    "hj_litigation",
    assigns=["doc._.litigation", "doc._.litigation_snippets", "doc.spans"],
    default_config={"targets_file": "litigation_targets.jsonl", "rules_file": "context_rules.json"},
)
def make_litigation(nlp: Language, name: str, targets_file: str, rules_file: str) -> LitigationContext:
    return LitigationContext(nlp, name, targets_file, rules_file)
