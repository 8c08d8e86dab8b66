"""``hj_relevance``: is the document about healthcare in a custodial or secure setting, or its
commissioning? Sets ``doc._.relevant`` (bool) and ``doc._.relevance_score`` (0..1).

The score is a small logistic model over counts of term lists kept as data
(``data/relevance_terms.json``):

- segments where a health term and a custodial term meet ("mental health services at Norwich
  Prison"), counted and as a share of the on-topic segments, and strong phrases ("offender health", "Liaison and Diversion", "healthcare in
  prisons", "SARC") raise it most; the amount of custodial and health wording, and
  commissioning words in the co-occurring segments, raise it a little;
- look-alikes lower it: other services dominating the health wording (catering, education,
  gardening, facilities), secure *hospitals* ("medium secure", "Rampton"), and parliamentary
  answers with no contract in sight.

PRISON spans from ``hj_gazetteer`` (``doc.spans["hj_entities"]``) count as custodial mentions
when present. Records close to ``threshold`` are the ones a reviewer should look at.

Example::

    >>> import spacy; from hjwatch.extractors.components import register_extensions
    >>> register_extensions(); nlp = spacy.blank("en"); _ = nlp.add_pipe("hj_relevance")
    >>> doc = nlp("NHS England awarded the prison healthcare contract for HMP Leeds. "
    ...           "The provider will run mental health services in the prison.")
    >>> doc._.relevant, doc._.relevance_score > 0.8
    (True, True)
    >>> nlp("The college won a contract to teach education courses in 19 prisons.")._.relevant
    False
"""

from __future__ import annotations

import math

from spacy.language import Language
from spacy.tokens import Doc

from hjwatch.extractors.fact_rules import cue_regex, load_json, segments_of


class RelevanceScorer:
    def __init__(self, nlp: Language, name: str, terms_file: str, threshold: float | None) -> None:
        terms = load_json(terms_file)
        self.lists = {k: cue_regex(terms[k]) for k in (
            "health", "custodial", "custodial_weak", "strong", "commissioning", "other_service", "secure_hospital",
            "parliamentary", "other_service_not")}
        self.title_scope = terms["title_scope"]
        self.w = terms["weights"]
        self.threshold = terms["threshold"] if threshold is None else threshold

    def features(self, doc: Doc) -> dict[str, float]:
        segs = segments_of(doc)
        low = segs.lower
        lists = self.lists
        prison_spans = [sp for sp in doc.spans.get("hj_entities", []) if sp.label_ == "PRISON"]
        # Each list is matched once over the whole (lowered) text; matches are then placed
        # in their segments by offset, instead of searching segment by segment.
        health_pos = [m.start() for m in lists["health"].finditer(low)]
        custodial_pos = [m.start() for m in lists["custodial"].finditer(low)]
        custodial_pos += [sp.start_char for sp in prison_spans]
        custodial = len(custodial_pos) + len(lists["custodial_weak"].findall(low))
        health_segs = {segs.index(p) for p in health_pos}
        custodial_segs = {segs.index(p) for p in custodial_pos}
        both = health_segs & custodial_segs
        # The prison in one sentence, health in the next ("PPG takes over at HMP Lewes in
        # April." / "It will run primary care and mental health services."): half a
        # co-occurrence, within one paragraph. Counted per custodial sentence, so a hospital
        # story naming a prison once does not gain from every health sentence around it.
        adjacent = {i for i in custodial_segs - both
                    if any(j in health_segs and _same_paragraph(segs, i, j) for j in (i - 1, i + 1))}
        other = _count_outside(lists["other_service"], lists["other_service_not"], low)
        health = len(health_pos)
        other_share = other / (other + health + 1)
        secure_hospital = len(lists["secure_hospital"].findall(low))
        # A title naming the prison scopes the document (an inspection report's health
        # section): every health segment then meets custody, when health wording dominates.
        scope = self.title_scope
        # (Whether a sentence already pairs them does not matter: one such sentence must not
        # leave a document scoring lower than none would.)
        if (segs.spans and custodial_segs and min(custodial_segs) == 0
                and health >= scope["min_health"] and other_share < scope["max_other_share"]
                and not secure_hospital):
            both = both | health_segs
            adjacent = set()
        topical = len(health_segs | custodial_segs)
        commissioning_near = int(any(
            lists["commissioning"].search(low, *segs.spans[i]) for i in both | adjacent))
        return {
            "co": len(both),
            "co_adjacent": len(adjacent),
            # Share of the on-topic segments where health and custody meet: a short notice
            # about prison healthcare scores high, a hospital story with one prison aside low.
            "co_share": (len(both) + 0.5 * len(adjacent)) / topical if topical else 0.0,
            "strong": len(lists["strong"].findall(low)),
            "custodial": custodial,
            "health": health,
            "commissioning_near": commissioning_near,
            "other_share": other_share,
            "secure_hospital": secure_hospital,
            "parliamentary": 1 if lists["parliamentary"].search(low) else 0,
        }

    def score(self, f: dict[str, float]) -> float:
        w = self.w
        x = (w["bias"]
             + w["co_segments"] * min(f["co"] + w["co_adjacent"] * f["co_adjacent"], w["co_cap"])
             + w["co_share"] * f["co_share"]
             + w["strong"] * min(f["strong"], w["strong_cap"])
             + w["custodial_log"] * math.log1p(f["custodial"])
             + w["health_log"] * math.log1p(f["health"])
             + w["commissioning_near"] * f["commissioning_near"]
             + w["other_service_share"] * f["other_share"]
             + w["secure_hospital"] * min(f["secure_hospital"], w["secure_hospital_cap"]))
        if f["parliamentary"] and not f["commissioning_near"]:
            x += w["parliamentary_no_contract"]
        if not f["co"] and not f["co_adjacent"] and not f["strong"]:
            x = min(x, -2.0)  # health and custody never meet: not about custodial healthcare
        return 1.0 / (1.0 + math.exp(-x))

    def __call__(self, doc: Doc) -> Doc:
        score = self.score(self.features(doc))
        doc._.relevance_score = round(score, 3)
        doc._.relevant = score >= self.threshold
        return doc


def _same_paragraph(segs, i: int, j: int) -> bool:
    """Segments ``i`` and ``j`` (neighbours) exist and no blank line separates them."""
    if j < 0 or j >= len(segs.spans):
        return False
    a, b = sorted((i, j))
    return "\n\n" not in segs.text[segs.spans[a][1]:segs.spans[b][0]]


def _count_outside(regex, exclude, text: str) -> int:
    """Matches of ``regex`` in ``text`` not inside a match of ``exclude``.

    >>> from hjwatch.extractors.fact_rules import cue_regex
    >>> _count_outside(cue_regex(["construction"]), cue_regex(["construction court"]),
    ...                "technology and construction court; construction works")
    1
    """
    hits = [m.span() for m in regex.finditer(text)]
    if not hits:
        return 0
    masks = [m.span() for m in exclude.finditer(text)]
    return sum(1 for s, e in hits if not any(ms <= s and e <= me for ms, me in masks))


@Language.factory(
    "hj_relevance",
    assigns=["doc._.relevant", "doc._.relevance_score"],
    default_config={"terms_file": "relevance_terms.json", "threshold": None},
)
def make_relevance(nlp: Language, name: str, terms_file: str, threshold: float | None) -> RelevanceScorer:
    return RelevanceScorer(nlp, name, terms_file, threshold)
