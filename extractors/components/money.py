"""``hj_money``: contract and procurement values in whole pounds (``doc._.values_gbp``).

Candidates come from ``parse_money.find_money`` (every way a sum in pounds is written,
mojibake included). Each is kept only when its context says it is a contract or procurement
value: the nearest cue word in its segment (or the field label on the line above) must be a
positive one ("contract", "worth", "value", "Lowest offer") rather than a negative one
("salary", "tickets", "budget", "funding"). Sums written under a value label or as an OCDS
``amount`` in GBP count as values; aggregator size bands ("£1M-£10M") do not. The cue lists
are data: ``extractors/data/fact_cues.json``.

Example::

    >>> import spacy; from hjwatch.extractors.components import register_extensions
    >>> register_extensions(); nlp = spacy.blank("en"); _ = nlp.add_pipe("hj_money")
    >>> nlp("The trust lost an £85m contract. Nurses earn a salary of £35,000.")._.values_gbp
    [85000000]
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from hjwatch.extractors.fact_rules import add_fact, cue_regex, load_json, nearest, rule_regex, segments_of
from hjwatch.extractors.parse_money import find_money

# A hard negative this close (characters) vetoes a sum whatever else is near it.
HARD_NEGATIVE_REACH = 40


class MoneyFinder:
    def __init__(self, nlp: Language, name: str, cues_file: str, min_value: int | None) -> None:
        cues = load_json(cues_file)["money"]
        self.positive = cue_regex(cues["positive"])
        self.negative = cue_regex(cues["negative"])
        self.hard_negative = cue_regex(cues["hard_negative"])
        # "the market for out-of-hospital services could be worth £10bn": the sentence's
        # subject is a market or sector, not a contract.
        self.subject_negative = cue_regex(cues.get("subject_negative", ["(?!)"]))
        self.min_value = cues.get("min_value", 1000) if min_value is None else min_value
        varied = cues["varied_funding"]
        self.varied_phrase = rule_regex(varied["phrase"], whole_words=False)
        self.variation = rule_regex(varied["variation"])

    def __call__(self, doc: Doc) -> Doc:
        segs = segments_of(doc)
        text = segs.text
        values: list[int] = []
        if any(ch.isdigit() for ch in text):
            for money in find_money(text):
                if money.band or money.value < self.min_value:
                    continue
                if money.form in ("sign", "suffix") and not self.is_contract_value(segs, money):
                    continue
                add_fact(doc, money.start, money.end, "MONEY", str(money.value))
                if money.value not in values:
                    values.append(money.value)
        doc._.values_gbp = values
        return doc

    def is_contract_value(self, segs, money) -> bool:
        """True when the nearest cue around the sum says it is a contract value."""
        s, e = segs.find(money.start)
        seg = segs.lower[s:max(e, money.end)]
        ls, le = money.start - s, money.end - s
        hard = nearest(self.hard_negative, seg, ls, le)
        if hard is not None and hard <= HARD_NEGATIVE_REACH:
            return False
        if self.subject_negative.search(seg, 0, ls):
            return False
        pos = nearest(self.positive, seg, ls, le)
        neg = nearest(self.negative, seg, ls, le)
        if pos is None:
            label = segs.label_before((s, e)).lower()
            if label and self.positive.search(label) and not self.negative.search(label):
                pos = len(seg)  # the label above: weaker than any cue in the segment itself
        if pos is not None and (neg is None or pos <= neg):
            return True
        return self.is_varied_funding(segs, (s, e), ls)

    def is_varied_funding(self, segs, seg: tuple[int, int], ls: int) -> bool:
        """"Funding for 2024/25 will rise to £2,150,000" in a paper about varying the contract.

        The funding phrase must lead straight to the sum, and this sentence or one of the two
        before it must speak of a variation, so a trust's general funding is not a value.
        """
        s, e = seg
        if not self.varied_phrase.search(segs.lower, s, s + ls):
            return False
        i = segs.index(s)
        lo = segs.spans[max(i - 2, 0)][0]
        return self.variation.search(segs.lower, lo, e) is not None


@Language.factory(
    "hj_money",
    assigns=["doc._.values_gbp", "doc.spans"],
    default_config={"cues_file": "fact_cues.json", "min_value": None},
)
def make_money(nlp: Language, name: str, cues_file: str, min_value: int | None) -> MoneyFinder:
    return MoneyFinder(nlp, name, cues_file, min_value)
