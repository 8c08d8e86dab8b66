"""Component ``hj_gazetteer``: prisons, trusts, companies and buyers, resolved to canonical names.

Writes ``doc.spans["hj_entities"]``: spans labelled PRISON, TRUST, COMPANY or BUYER whose ``id_``
is the canonical gazetteer name, or "" for a name that is in no gazetteer (reported as written).

>>> import spacy
>>> from hjwatch.extractors.components import register_extensions
>>> register_extensions()
>>> nlp = spacy.blank("en"); _ = nlp.add_pipe("sentencizer"); _ = nlp.add_pipe("hj_gazetteer")
>>> doc = nlp("Oxleas Foundation Trust runs HMP Belmarsh, Thameside and Isis.")
>>> [(s.label_, s.id_) for s in doc.spans["hj_entities"]]
[('TRUST', 'Oxleas NHS Foundation Trust'), ('PRISON', 'HMP Belmarsh'), ('PRISON', 'HMP Thameside'), ('PRISON', 'HMP Isis')]

How a document is read, in order (each step is a small function below):

1. gazetteer phrases (case-insensitive), acronyms (as written) and NHS England's regional names;
2. names in a role: a notice's buyer block, "awarded to X", "X Ltd", "X has won", police forces
   and CCGs/ICBs in a contract sentence; trusts written oddly ("Tees, Esk and Wear Valley
   Foundation Trust") are resolved loosely;
3. overlaps resolved (longest first), site furniture (footers, "Read more" lines) dropped;
4. prisons by bare name: lists after one prefix, before a plural suffix, and distinctive names in
   a document about prisons;
5. acronyms defined in the text ("... (NSFT)"), "the trust" when one trust is in play, renamed
   companies ("X becomes Y"), and the NHS England and NHS Improvement naming conventions.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from dataclasses import dataclass, replace
from importlib import resources

from spacy.attrs import IDX, LENGTH, ORTH, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from hjwatch.extractors import prison_lists
from hjwatch.extractors.gazetteers import Gazetteer, load_gazetteer, overlay_path_from_env

log = logging.getLogger(__name__)

SPAN_KEY = "hj_entities"
_REGIONS = {
    "london": "London", "south east": "South East", "south west": "South West", "midlands": "Midlands",
    "east of england": "East of England", "north west": "North West",
    "north east and yorkshire": "North East and Yorkshire",
}
_NHSE_REGION = re.compile(
    r"NHS\s+England(?P<i>\s+(?:and|&)\s+(?:NHS\s+)?Improvement)?"
    r"(?:\s*\((?:NHSEI|NHSE/I|NHSE&I|NHSE|NHS\s+England)\))?\s*(?:[-–—,]\s*)?(?:\(\s*)?(?:the\s+)?"
    r"(?P<r>London|South[- ]East|South[- ]West|Midlands|East\s+of\s+England|North[- ]West|"
    r"North[- ]East\s+(?:and|&)\s+Yorkshire)(?!\s+(?:and|&)\s+(?:East|West|South|North))(?:\s*\))?"
    r"(?:\s+[Rr]egion(?:al)?(?:\s+[Tt]eam)?)?"
    r"(?P<hj>\s*(?:[-–—]\s*)?\(?(?:Health\s+(?:and|&)\s+Justice|H&J)(?:\s+(?:[Tt]eam|[Cc]ommissioning))?\)?)?",
    re.I,
)
_TRUST_HEAD = re.compile(r"(?:Trust|FT|Board)\b")
_CAP_WORD = re.compile(r"[A-Z][\w'’&.+-]*")
_CONNECTORS = {"and", "&", "of", "for", "on", "upon", "the"}
_CORP_SUFFIX = re.compile(
    r"(?:Ltd|Limited|LLP|plc|PLC|CIC|C\.I\.C\.|Community Interest Company|LIMITED|LTD)\b")
# The second word stays on the same line: a title "HMP Foo" above "Psychosocial ..." is one prison.
_UNKNOWN_HMP = re.compile(r"HMP(?:/YOI|\s*&\s*YOI|\s+and\s+YOI|YOI)?\s+((?:[A-Z][a-z'’]+)(?:[ \t]+[A-Z][a-z'’]+)?)")
_THE_TRUST = re.compile(r"[Tt]he\s+(?:[Ff]oundation\s+|NHS\s+|University\s+)?(?:[Tt]rust|Health\s+Board)\b")
_ACR_DEF = re.compile(r"\s*\(\s*([A-Z][A-Za-z&/]{1,9})\s*\)")
_NHS_AREA = re.compile(r"NHS ((?:[A-Z][a-z]+)(?:(?: and| &)? [A-Z][a-z]+){0,3})\b(?! (?:Trust|Foundation|Health|Healthcare|Hospital|Board|Integrated|Clinical|District|ICB|CCG|PCT))")
_NHS_BODY = re.compile(r"(?i)\bNHS\b.*\btrust$|\bhealth board$|\bNHS (?:foundation )?trust\b")
_BODY_WORD = re.compile(r"Police|Constabulary|Council|Board|Group|Trust|CCG|ICB")
_IRC_CONTEXT = re.compile(r"\bIRCs?\b|\bimmigration (?:removal|detention) centres?\b", re.I)
_PRIORITY = {"gazetteer": 3, "region": 3, "trust_rule": 2, "role": 1, "open": 1, "acronym_local": 2}


@dataclass(frozen=True)
class Cand:
    """A candidate entity in character offsets."""

    start: int
    end: int
    label: str
    name: str  # canonical name, or "" when in no gazetteer
    source: str
    role: str = ""  # "buyer" / "supplier" when the text puts the name in that role
    acronym: bool = False


def _load_rules() -> dict:
    ref = resources.files("hjwatch.extractors.data").joinpath("patterns", "entity_rules.json")
    return json.loads(ref.read_text(encoding="utf-8"))


@Language.factory(
    "hj_gazetteer",
    default_config={"overlay_path": None},
    assigns=["doc.spans"],
)
def make_gazetteer(nlp: Language, name: str, overlay_path: str | None):
    """Factory; ``overlay_path`` None reads ``HJWATCH_GAZETTEER_OVERLAY`` (unset: no overlay)."""
    return GazetteerComponent(nlp, overlay_path=overlay_path or overlay_path_from_env())


class GazetteerComponent:
    """Finds and resolves entity names; built once per pipeline (patterns compiled here)."""

    def __init__(self, nlp: Language, overlay_path: str | None = None):
        self.gz: Gazetteer = load_gazetteer(overlay_path)
        self.rules = _load_rules()
        self.exact = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.acronyms = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.bare_ctx = PhraseMatcher(nlp.vocab, attr="ORTH")
        # Immigration removal centres are named after their place ("Harmondsworth", "Colnbrook").
        self.bare_irc = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._keys: dict[int, tuple[str, str, str]] = {}
        self.bare_index: dict[tuple, list[str]] = {}
        common = {w.lower() for w in self.gz.common_words}
        groups: dict[tuple[str, str, str], list[str]] = {}
        for alias in self.gz.aliases:
            if alias.kind == "place":
                continue
            groups.setdefault((alias.kind, alias.label, alias.name), []).append(alias.text)
            if alias.kind == "bare":
                key = tuple(t.text.lower() for t in nlp.make_doc(alias.text))
                self.bare_index.setdefault(key, [])
                if alias.name not in self.bare_index[key]:
                    self.bare_index[key].append(alias.name)
        for (kind, label, name), texts in groups.items():
            key = f"{kind}\t{label}\t{name}"
            self._keys[nlp.vocab.strings.add(key)] = (kind, label, name)
            if kind == "exact":
                self.exact.add(key, list(nlp.tokenizer.pipe(texts)))
            elif kind == "acronym":
                self.acronyms.add(key, list(nlp.tokenizer.pipe(texts)))
            elif kind == "bare":
                ok = [t for t in texts if t.lower() not in common and not self.gz.is_place_like(t)]
                if ok:
                    self.bare_ctx.add(key, list(nlp.tokenizer.pipe(ok)))
                if self.gz.row("PRISON", name).get("type") == "irc":
                    irc = [t for t in texts if t.lower() not in common]
                    if irc:
                        self.bare_irc.add(key, list(nlp.tokenizer.pipe(irc)))
        r = self.rules
        flags = re.I | re.M
        self.furniture = re.compile("|".join(f"(?:{p})" for p in r["furniture_lines"]), flags)
        # Words every furniture pattern contains: only lines holding one are tried in full
        # (plain substring search is much faster than one more regular expression).
        self.furniture_keywords = r["furniture_keywords"]
        self.buyer_blocks = [re.compile(p, re.M) for p in r["buyer_blocks"]]
        self.buyer_after = [re.compile(p) for p in r["buyer_after"]]
        self.supplier_blocks = [re.compile(p, re.M) for p in r["supplier_blocks"]]
        # Cues are found by their fixed words first and the names looked for behind them:
        # a regex that tries a name at every capital letter is several times slower.
        self.subject_verbs = re.compile(r["supplier_subject_verbs"])
        self.buyer_aux = set(r["buyer_aux_words"])
        self.partnership = re.compile(r["partnership_cue"])
        self.rename = re.compile(r["rename_cue"])
        self.open_buyer_heads = [(re.compile(rf"(?:{h['head']})\b"), h["needs_nhs"])
                                 for h in r["open_buyer_heads"]]
        self.open_buyer_names = re.compile("|".join(rf"{n}\b" for n in r["open_buyer_names"]))
        self.london_borough = re.compile(r["london_borough"])
        self.buyer_action = re.compile(r["buyer_action"])
        self.buyer_org_words = re.compile(rf"\b(?:{r['buyer_org_words']})\b")
        self.partner_not_buyer = re.compile(r["partner_not_buyer"])
        self.partner_before = re.compile(r["partner_before"])
        self.pcc = re.compile(r["pcc"])
        self.contract_bodies = re.compile(r["contract_bodies"])
        self.contract_words = re.compile(r["contract_words"], re.I)
        self.police_health_words = re.compile(r["police_health_words"], re.I)
        self.supplier_after = [re.compile(p) for p in r["supplier_after"]]
        self.not_supplier_before = re.compile(r["not_supplier_before"], re.I)
        self.not_supplier_after = re.compile(r["not_supplier_after"], re.I)
        self.buyer_verbs = re.compile(r["buyer_subject_verbs"])
        self.line_cut = re.compile(r["line_cut"], re.I)
        self.not_buyer_after = re.compile(r["not_buyer_after"])
        self.lead_strip = set(r["lead_strip"])
        self.establishment_suffix = re.compile(r["establishment_suffix"])
        self.role_only = set(r["buyer_only_in_role"])
        self.stop = set(r["name_stopwords"])
        self.not_prison_words = set(r["not_prison_name_words"])
        words = self.gz.words.get("prison_context_words", [])
        self.prison_context = re.compile(
            r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", re.I)

    # -- the pipeline step ----------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        text = _doc_text(doc)
        if not text.strip():
            doc.spans[SPAN_KEY] = []
            return doc
        _split_final_periods(doc, text)
        cands = self._gazetteer_cands(doc)
        cands += self._region_cands(text)
        cands += self._trust_rule_cands(text)
        role_cands, block_buyer = self._role_cands(text, cands)
        cands += role_cands
        cands += self._open_buyer_cands(text)
        cands += self._unknown_prison_cands(text, cands)
        furniture = self._furniture(text)
        cands = [c for c in cands if not furniture.covers(c.start)]
        kept = _resolve_overlaps(cands)
        kept += [c for c in self._prison_list_cands(doc, text, kept) if not furniture.covers(c.start)]
        kept = _resolve_overlaps(kept)
        kept = self._local_acronyms(text, kept)
        kept = self._companies_by_rename(text, kept)
        kept = self._open_name_merges(kept, text)
        kept = _group_to_subsidiary(kept)
        kept = self._buyer_conventions(text, kept, block_buyer)
        kept += self._trust_references(text, kept)
        doc.spans[SPAN_KEY] = _to_spans(doc, [c for c in kept if not furniture.covers(c.start)])
        return doc

    # -- 1. gazetteer phrases ---------------------------------------------------------------------

    def _gazetteer_cands(self, doc: Doc) -> list[Cand]:
        out = []
        for matcher, acronym in ((self.exact, False), (self.acronyms, True)):
            for match_id, start, end in matcher(doc):
                kind, label, name = self._keys[match_id]
                last = doc[end - 1]
                out.append(Cand(doc[start].idx, last.idx + len(last), label, name, "gazetteer", acronym=acronym))
        return out

    def _region_cands(self, text: str) -> list[Cand]:
        """NHS England's regional teams in their many spellings, built from their parts."""
        out = []
        for m in _words(_NHSE_REGION, text):
            region = _REGIONS[re.sub(r"[\s-]+", " ", m.group("r").lower()).replace("&", "and")]
            base = "NHS England and NHS Improvement" if m.group("i") else "NHS England"
            names = [f"{base} {region}"]
            if m.group("hj"):
                team = " team" if m.group("i") else ""
                names.insert(0, f"{base} {region} Health and Justice{team}")
            end = m.end() if m.group("hj") else m.end("r")
            if not m.group("hj") and text[m.end("r"):m.end()].strip(" )").lower().startswith("region"):
                end = m.end()
            for name in names:
                canonical = self.gz.canonical("BUYER", name)
                if canonical:
                    out.append(Cand(m.start(), end, "BUYER", canonical, "region"))
                    break
        return out

    def _trust_rule_cands(self, text: str) -> list[Cand]:
        """'... Trust' written in a form the gazetteer lacks: resolved loosely, else as written."""
        out = []
        for m in _words(_TRUST_HEAD, text):
            head_start = _head_start(text, m)
            if head_start is None:
                continue
            words = _words_before(text, head_start, commas=True)
            if not words:
                continue
            head = text[head_start:m.end()]
            resolved = None
            for i in range(len(words)):
                start = words[i][0]
                if text[start:head_start].split()[0] in _CONNECTORS:
                    continue
                name = self.gz.resolve_trust(text[start:m.end()])
                if name:
                    resolved = (start, name)
                    break
            if resolved:
                out.append(Cand(resolved[0], m.end(), "TRUST", resolved[1], "trust_rule"))
                continue
            if not re.search(r"NHS|Foundation|Health Board", head):
                continue
            kept = list(words)
            while kept and (text[kept[0][0]:kept[0][1]] in self.stop or
                            text[kept[0][0]:kept[0][1]].lower() in _CONNECTORS):
                kept = kept[1:]
            generic = {"university", "teaching", "local", "nhs", "foundation", "health", "the", "trust"}
            if kept and any(text[a:b].lower() not in generic for a, b in kept):
                out.append(Cand(kept[0][0], m.end(), "TRUST", "", "trust_rule"))
        return out

    # -- 2. names in a role ---------------------------------------------------------------------

    def _role_cands(self, text: str, cands: list[Cand]) -> tuple[list[Cand], bool]:
        starts = {}
        for c in cands:
            if c.start not in starts or c.end > starts[c.start].end:
                starts[c.start] = c
        ends: dict[int, Cand] = {}
        for c in cands:
            if c.end not in ends or c.end - c.start > ends[c.end].end - ends[c.end].start:
                ends[c.end] = c
        out: list[Cand] = []
        block_buyer = False
        for i, pattern in enumerate(self.buyer_blocks):
            for m in _words(pattern, text):
                inline = i == 2  # "on behalf of X", "acting for X": inside a sentence
                block_buyer = block_buyer or not inline
                out += self._name_at(text, m.end(), starts, "BUYER", inline=inline)
        for pattern in self.buyer_after:
            for m in pattern.finditer(text):
                pos = m.start()
                while pos > 0 and text[pos - 1] in " \t":
                    pos -= 1
                c = ends.get(pos)
                if c:
                    out.append(replace(c, role="buyer", source="role"))
        for i, pattern in enumerate(self.supplier_blocks):
            for m in _words(pattern, text):
                out += self._name_at(text, m.end(), starts, "COMPANY", inline=i >= 1)
        for m in _words(_CORP_SUFFIX, text):
            words = _words_before(text, m.start(), max_words=8, capitals=r"[A-Z0-9][\w'’&.+-]*")
            if words:
                out += self._corporate_name(text, words, m.end(), starts)
        for m in self.subject_verbs.finditer(text):
            if not m.start() or text[m.start() - 1] not in " \t":
                continue
            words = _words_before(text, m.start(), max_words=5)
            if words:
                out += self._open_name(text, words[0][0], words[-1][1], "COMPANY", starts, strict=True)
        for pattern in self.supplier_after:
            for m in pattern.finditer(text):
                c = ends.get(m.start())
                if c:
                    out.append(replace(c, role="supplier", source="role"))
                    continue
                words = _words_before(text, m.start())
                if words:
                    out += self._open_name(text, words[0][0], words[-1][1], "COMPANY", starts, role=True)
        for c in cands:
            if c.label in {"BUYER", "TRUST"} and self.buyer_verbs.match(text, c.end):
                out.append(replace(c, label="BUYER", role="buyer", source="role"))
        # "West Yorkshire Combined Authority has awarded the ... contract": a buyer by what it does.
        for m in _words(self.buyer_action, text):
            pos = m.start()
            for _ in range(3):  # "has", "today", "is" before the verb
                while pos > 0 and text[pos - 1] in " \t":
                    pos -= 1
                k = pos
                while k > 0 and text[k - 1].isalpha():
                    k -= 1
                if text[k:pos].lower() in self.buyer_aux:
                    pos = k
                else:
                    break
            while pos > 0 and text[pos - 1] in " \t":
                pos -= 1
            if pos > 0 and text[pos - 1] == ",":  # "BlueLight Commercial, working with ..., announced"
                comma = text.rfind(",", max(0, pos - 90), pos - 1)
                if comma < 0 or "\n" in text[comma:pos]:
                    continue
                pos = comma
            c = ends.get(pos)
            if c:
                if c.label in {"BUYER", "TRUST"}:
                    out.append(replace(c, label="BUYER", role="buyer", source="role"))
                continue
            words = _words_before(text, pos, max_words=6)
            if not words:
                continue
            found = self._open_name(text, words[0][0], words[-1][1], "BUYER", starts, role=True, strict=True)
            out += [f for f in found if self.buyer_org_words.search(text, f.start, f.end)]
        for m in _words(self.partnership, text):
            end = _sentence_end(text, m.end())
            for part in re.split(r",\s*(?:and\s+)?(?:with\s+)?|\s+and\s+(?:with\s+)?", text[m.end():end]):
                offset = text.find(part, m.end(), end)
                if part[:1].isupper() and offset >= 0:
                    out += self._name_at(text, offset, starts, "COMPANY", inline=True)
        return out, block_buyer

    def _name_at(self, text: str, pos: int, starts: dict, label: str, *, inline: bool) -> list[Cand]:
        """The entity a role cue points at: a gazetteer match starting there, or capitalised words."""
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        hit = starts.get(pos)
        if hit:
            role = "buyer" if label == "BUYER" else "supplier"
            out = [replace(hit, role=role, source="role")]
            if label == "BUYER" and hit.label == "TRUST":
                out.append(replace(hit, label="BUYER", role=role, source="role"))
            return out
        end = _cap_run_end(text, pos, line_mode=not inline, cut=self.line_cut)
        if end <= pos:
            return []
        return self._open_name(text, pos, end, label, starts, role=True, strict=inline)

    def _open_name(self, text: str, start: int, end: int, label: str, starts: dict,
                   role: bool = False, strict: bool = False) -> list[Cand]:
        """A name in no gazetteer, cleaned of leading function words; [] if it is not a name.

        ``strict``: a name that starts with a function or generic word ("Primary Care Trusts",
        "HMP and ...") is not a name at all, rather than a name to trim.
        """
        words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
        while words and (text[words[0][0]:words[0][1]] in self.lead_strip or
                         text[words[0][0]:words[0][1]].lower() in _CONNECTORS):
            words = words[1:]
        if strict and words and text[words[0][0]:words[0][1]].rstrip(",.;:") in self.stop:
            return []
        while words and text[words[-1][0]:words[-1][1]].lower() in _CONNECTORS:
            words = words[:-1]
        if not words or all(text[a:b].rstrip(",.;:") in self.stop for a, b in words):
            return []
        s, e = words[0][0], words[-1][1]
        name = text[s:e].rstrip(".,;:")
        e = s + len(name)
        if not name or len(name) > 90 or not name[:1].isupper() or re.search(r"https?:|www\.|@|\d{3}", name):
            return []
        if name.upper() == name and len(name) <= 6:
            return []  # a bare acronym in a role is not enough to name a supplier
        if _any_start_in(starts, s, e):
            return []  # a known name is there: it speaks for itself
        if label == "COMPANY" and (self.not_supplier_before.search(text[max(0, s - 40):s])
                                   or self.not_supplier_after.match(text, e)):
            return []
        if self.gz.is_place_like(name) or name in self.stop:
            return []
        role_name = ("buyer" if label == "BUYER" else "supplier") if role else ""
        if label == "COMPANY" and _NHS_BODY.search(name):
            # "BORSETSHIRE NHS TRUST" in a supplier block is a trust, not a company.
            trust = self.gz.resolve_trust(name) or ""
            return [Cand(s, e, "TRUST", trust, "open", role=role_name)]
        # A name in a role that is a gazetteer row's own name ("Inclusion", never matched alone).
        canonical = self.gz.canonical(label, name) if label in {"COMPANY", "BUYER"} else None
        return [Cand(s, e, label, canonical or "", "open", role=role_name)]

    def _corporate_name(self, text: str, words: list, suffix_end: int, starts: dict) -> list[Cand]:
        """"Mountain Healthcare Limited": a supplier by its legal form; a known provider's legal
        name ("Care UK Clinical Services Limited") is that provider."""
        while words and not _is_company_at(starts, words[0][0]) and text[words[0][0]:words[0][1]] in self.lead_strip:
            words = words[1:]
        if not words:
            return []
        start, end = words[0][0], suffix_end
        # "Practice Plus Group - Health and Rehabilitation Services Limited": the known company.
        k = start
        while k > 0 and text[k - 1] in " \t":
            k -= 1
        if k > 0 and text[k - 1] in "-–":
            k -= 1
            while k > 0 and text[k - 1] in " \t":
                k -= 1
            prev = next((c for c in starts.values() if c.end == k and c.label == "COMPANY"), None) \
                if len(starts) < 2000 else None
            if prev:
                return [Cand(prev.start, end, "COMPANY", prev.name, "role")]
        first = text[words[0][0]:words[0][1]]
        if not _is_company_at(starts, start) and (first in self.stop or first.lower() in _CONNECTORS):
            return []
        if self.not_supplier_before.search(text[max(0, start - 40):start]) or \
                self.not_supplier_after.match(text, end):
            return []  # a law firm acting for a party, not a supplier
        if re.search(r"\w-(?:based|headquartered|owned)$", text[start:words[0][1]]):
            start = words[1][0] if len(words) > 1 else start  # "Medway-based Integrated Care 24 Ltd"
        known = starts.get(start)
        if known and known.label == "COMPANY":
            return [Cand(start, end, "COMPANY", known.name, "role")]
        if known or _any_start_in(starts, start + 1, end):
            return []
        name = text[start:end]
        if self.gz.is_place_like(name.rsplit(" ", 1)[0]) or re.search(r"\d{4}", name):
            return []
        return [Cand(start, end, "COMPANY", "", "open")]

    def _open_buyer_cands(self, text: str) -> list[Cand]:
        """Commissioners in no gazetteer: CCGs, ICBs, PCTs, PCCs; police forces and councils in a
        sentence about a contract."""
        out = []
        for head, needs_nhs in self.open_buyer_heads:
            for m in _words(head, text):
                words = _after_last(text, _words_before(text, m.start()), _BODY_WORD)
                if not words:
                    continue
                first = text[words[0][0]:words[0][1]]
                if needs_nhs and first != "NHS":
                    continue
                if first in self.stop and first != "NHS" and len(words) < 2:
                    continue
                out.append(Cand(words[0][0], m.end(), "BUYER", "", "open", role="buyer"))
        for m in _words(self.open_buyer_names, text):
            out.append(Cand(m.start(), m.end(), "BUYER", "", "open", role="buyer"))
        for m in _words(self.london_borough, text):
            sent_start, sent_end = _sentence_bounds(text, m.start())
            if self.contract_words.search(text, sent_start, sent_end):
                out.append(Cand(m.start(), m.end(), "BUYER", "", "open", role="buyer"))
        # "lead commissioner at NHS Kent and Medway": an NHS body named by its area alone.
        for m in _words(_NHS_AREA, text):
            area = m.group(1)
            if area.split()[0] in {"England", "Scotland", "Wales", "Northern", "UK"} or not self.gz.is_place_like(area):
                continue
            sent_start, sent_end = _sentence_bounds(text, m.start())
            if self.contract_words.search(text, sent_start, sent_end):
                out.append(Cand(m.start(), m.end(), "BUYER", "", "open", role="buyer"))
        for m in _words(self.pcc, text):
            office = text[max(0, m.start() - 14):m.start()] == "Office of the "
            if m.group(1):
                area = m.group(1).strip()
                end = m.start(1) + len(area)
                out.append(Cand(m.start() - (14 if office else 0), end, "BUYER", "", "open", role="buyer"))
                continue
            # "Cumbria Office of the Police, Fire and Crime Commissioner": the area precedes "Office".
            words = _words_before(text, m.start() - (14 if office else 0), max_words=3)
            words = [w for w in words if text[w[0]:w[1]] not in self.stop]
            if words:
                out.append(Cand(words[0][0], m.end(), "BUYER", "", "open", role="buyer"))
        # A police force or a council is a buyer in a sentence about its contract.
        for m in _words(self.contract_bodies, text):
            words = _after_last(text, _words_before(text, m.start(), max_words=4), _BODY_WORD)
            while words and text[words[0][0]:words[0][1]] in self.stop:
                words = words[1:]
            if not words:
                continue
            sent_start, sent_end = _sentence_bounds(text, m.start())
            # Police forces buy custody healthcare: a force in a sentence about healthcare is its buyer.
            police = m.group(0) in {"Police", "Constabulary"}
            if self.contract_words.search(text, sent_start, sent_end) or (
                    police and self.police_health_words.search(text, sent_start, sent_end)):
                out.append(Cand(words[0][0], m.end(), "BUYER", "", "open", role="buyer"))
        return [replace(c, name=_official_buyer_name(text[c.start:c.end])) for c in out]

    def _unknown_prison_cands(self, text: str, cands: list[Cand]) -> list[Cand]:
        """"HMP Foo" that no gazetteer row names: reported as written."""
        known = _Coverage([c for c in cands if c.label == "PRISON"])
        out = []
        for m in _words(_UNKNOWN_HMP, text):
            if known.overlaps(m.start(), m.end(1)):
                continue
            words = m.group(1).split()
            # "HMP Foo Psychosocial services": a service word after the name is not part of it.
            while words and (words[-1] in self.stop or (len(words) > 1 and words[-1] in self.not_prison_words)):
                words.pop()
            if not words or words[0] in self.stop:
                continue
            end = m.start(1) + len(" ".join(words))
            out.append(Cand(m.start(), end, "PRISON", "", "open"))
        # "Foxglove Secure Children's Home": an establishment by its kind, named as written.
        for m in _words(self.establishment_suffix, text):
            if known.overlaps(m.start(), m.end()):
                continue
            words = _words_before(text, m.start(), max_words=3)
            while words and text[words[0][0]:words[0][1]] in self.stop:
                words = words[1:]
            if words:
                out.append(Cand(words[0][0], m.end(), "PRISON", "", "open"))
        return out

    # -- 3. overlaps and furniture ------------------------------------------------------------------

    def _furniture(self, text: str) -> "_Coverage":
        """Furniture lines (footers, "Read more:", publisher notices): their names are not content."""
        spans = []
        seen = set()
        low = text.lower()
        hits = []
        for keyword in self.furniture_keywords:
            i = low.find(keyword)
            while i >= 0:
                hits.append(i)
                i = low.find(keyword, i + 1)
        for hit in hits:
            # Furniture lines are short (<= 300 characters); longer lines are article text.
            lo = max(0, hit - 300)
            start = text.rfind("\n", lo, hit) + 1
            if start == 0 and lo > 0:
                continue
            if start in seen:
                continue
            seen.add(start)
            end = text.find("\n", hit, start + 301)
            if end < 0:
                if len(text) - start > 300:
                    continue
                end = len(text)
            if self.furniture.search(text, start, end):
                spans.append((start, end))
        return _Coverage([Cand(s, e, "", "", "") for s, e in spans])

    # -- 4. prisons by bare name ----------------------------------------------------------------------

    def _prison_list_cands(self, doc: Doc, text: str, kept: list[Cand]) -> list[Cand]:
        if not len(doc):
            return []
        # Token texts and offsets from arrays: much faster than making Token objects.
        arr = doc.to_array([IDX, LENGTH])
        starts = arr[:, 0].tolist()
        ends = (arr[:, 0] + arr[:, 1]).tolist()
        toks = [text[a:b] for a, b in zip(starts, ends)]
        out: list[tuple[int, int, str]] = []

        def picker(kind: str):
            def pick(names: list[str]) -> str:
                wanted = {"prison": ("prison", "yoi"), "irc": ("irc", "other"), "sch": ("sch",),
                          "stc": ("stc",)}.get(kind, ("prison", "yoi"))
                for name in names:
                    if self.gz.row("PRISON", name).get("type") in wanted:
                        return name
                return names[0]
            return pick

        # After a prefixed prison name: "HMP Liverpool, Haverigg, Buckley Hall, Hindley and Manchester".
        for c in kept:
            if c.label == "PRISON" and re.match(r"(HMP|HMYOI|HM Prison|His Majesty|Her Majesty|HM YOI)",
                                                 text[c.start:c.end]):
                i = _token_at(starts, c.end)
                kind = self.gz.row("PRISON", c.name).get("type", "prison") if c.name else "prison"
                out += prison_lists.continue_list(toks, i, self.bare_index, need_sep=True,
                                                  pick=picker(kind))
        for s, e, kind in prison_lists.find_triggers(toks):
            key = tuple(t.lower() for t in toks[s:e])
            nxt = toks[e].lower() if e < len(toks) else ""
            if key in prison_lists.PREFIX_TRIGGERS or nxt in prison_lists.LIST_OPENERS:
                j = e if key in prison_lists.PREFIX_TRIGGERS else e + 1
                out += prison_lists.continue_list(toks, j, self.bare_index, need_sep=False, pick=picker(kind))
            elif key in {("prisons",), ("jails",), ("establishments",)} and e < len(toks) and toks[e][:1].isupper():
                # "the publicly run prisons Birmingham, Buckley Hall and Wellingborough": a list of two or more.
                listed = prison_lists.continue_list(toks, e, self.bare_index, need_sep=False, pick=picker(kind))
                if len(listed) >= 2:
                    out += listed
            if key in prison_lists.SUFFIX_TRIGGERS:
                fits = (lambda name, kind=kind: self.gz.row("PRISON", name).get("type") == kind
                        and kind in {"irc", "sch", "stc"})
                out += prison_lists.list_backwards(toks, s, self.bare_index, pick=picker(kind), single_ok=fits)
        found = [Cand(starts[s], ends[e - 1], "PRISON", name, "list")
                 for s, e, name in out]
        # Distinctive bare names ("Parkhurst", "Swanwick Lodge") in a document about prisons;
        # removal centres by their place name in a document about immigration detention.
        matches = []
        if self.prison_context.search(text):
            matches += self.bare_ctx(doc)
        if _IRC_CONTEXT.search(text):
            matches += self.bare_irc(doc)
        if matches:
            for match_id, s, e in matches:
                _, _, name = self._keys[match_id]
                if e < len(toks) and toks[e] in {"'s", "’s"}:
                    continue
                found.append(Cand(starts[s], ends[e - 1], "PRISON", name, "list"))
        return found

    # -- 5. document-level resolution -----------------------------------------------------------------

    def _local_acronyms(self, text: str, kept: list[Cand]) -> list[Cand]:
        """"Norfolk and Suffolk NHS Trust (NSFT)": later "NSFT" means that trust in this text."""
        defined: dict[str, Cand] = {}
        for c in kept:
            m = _ACR_DEF.match(text, c.end)
            if m and m.group(1) != text[c.start:c.end] and not c.acronym:
                defined.setdefault(m.group(1), c)
        if not defined:
            return kept
        out = []
        covered = _Coverage(kept)
        for c in kept:
            d = defined.get(text[c.start:c.end]) if c.acronym else None
            if d:
                c = replace(c, label=d.label, name=d.name or text[d.start:d.end], source="acronym_local")
            out.append(c)
        for acr, d in defined.items():
            for m in re.finditer(rf"(?<![\w/&]){re.escape(acr)}(?![\w/&])", text):
                if covered.covers(m.start()):
                    continue
                out.append(Cand(m.start(), m.end(), d.label, d.name or text[d.start:d.end], "acronym_local",
                                acronym=True, role=d.role))
        return sorted(out, key=lambda c: (c.start, -c.end))

    def _companies_by_rename(self, text: str, kept: list[Cand]) -> list[Cand]:
        """"Care UK Clinical Services Limited ... becomes Practice Plus Group ...": one company."""
        companies = [c for c in kept if c.label == "COMPANY"]
        renames = {}
        for a in companies:
            m = self.rename.match(text, a.end)
            if not m:
                continue
            b = next((c for c in companies if c.start == m.end()), None)
            if b:
                renames[a.name or text[a.start:a.end]] = b
        if not renames:
            return kept
        out = []
        for c in kept:
            b = renames.get(c.name or text[c.start:c.end]) if c.label == "COMPANY" else None
            out.append(replace(c, name=b.name or text[b.start:b.end]) if b else c)
        return out

    def _open_name_merges(self, kept: list[Cand], text: str) -> list[Cand]:
        """Names in no gazetteer, written two ways in one text, are reported once.

        - "Vale of York CCG" and "Vale of York Clinical Commissioning Group": the long form;
        - "Lloyds UK Ltd" and "Lloydspharmacy": the form written most often;
        - a name beginning a known entity of the text ("Airedale" has won...): that entity;
        - "Care UK Clinical Services Limited" begins with the provider "Care UK": that provider.
        """
        known_forms: dict[str, Cand] = {}
        for c in kept:
            if c.name:
                known_forms.setdefault(text[c.start:c.end].lower(), c)
        known = list(known_forms.values())[:500]
        opens_by_form: dict[str, Cand] = {}
        for c in kept:
            if not c.name and c.source in {"open", "role", "acronym_local"}:
                opens_by_form.setdefault(text[c.start:c.end], c)
        opens = list(opens_by_form.values())[:300]
        if not opens:
            return kept
        counts: dict[str, int] = {}
        for c in opens:
            counts[_open_key(text[c.start:c.end])] = counts.get(_open_key(text[c.start:c.end]), 0) + 1
        mapped: dict[int, Cand] = {}
        for c in opens:
            written = text[c.start:c.end]
            key = _open_key(written)
            first = written.split()[0].lower() if written.split() else ""
            # A known entity whose written name starts with this name (or the other way round).
            for k in known:
                kw = text[k.start:k.end]
                if kw.lower().startswith(written.lower() + " ") or written.lower().startswith(kw.lower() + " "):
                    if k.label in {"TRUST", "COMPANY", "BUYER"} and (c.label == k.label or c.source != "role"):
                        mapped[id(c)] = replace(c, label=k.label, name=k.name)
                        break
            if id(c) in mapped:
                continue
            best = None
            for o in opens:
                if o is c or o.label != c.label:
                    continue
                ow = text[o.start:o.end]
                okey = _open_key(ow)
                ofirst = ow.split()[0].lower() if ow.split() else ""
                same = okey == key and len(ow) > len(written)
                same = same or (okey.startswith(key + " ") is False and _expand(okey) == _expand(key)
                                and len(ow) > len(written))
                same = same or (len(first) >= 5 and ofirst != first and ofirst.startswith(first)
                                and counts.get(okey, 0) >= counts.get(key, 0))
                if same:
                    best = ow
            if best:
                mapped[id(c)] = replace(c, name=best)
        by_form = {text[c.start:c.end]: mapped[id(c)] for c in opens if id(c) in mapped}
        out = [replace(c, label=by_form[text[c.start:c.end]].label, name=by_form[text[c.start:c.end]].name)
               if not c.name and text[c.start:c.end] in by_form and c.source in {"open", "role", "acronym_local"}
               else c for c in kept]
        # All-capital repeats ("NHS SUFFOLK AND ...") of a name also written normally: one name.
        normal = {text[c.start:c.end].lower(): text[c.start:c.end] for c in out
                  if not c.name and not text[c.start:c.end].isupper()}
        return [replace(c, name=normal[text[c.start:c.end].lower()])
                if not c.name and text[c.start:c.end].isupper() and text[c.start:c.end].lower() in normal
                else c for c in out]

    def _buyer_conventions(self, text: str, kept: list[Cand], block_buyer: bool) -> list[Cand]:
        """Buyers as the annotation conventions read them (see the corpus notes).

        - HMPPS, the Home Office and other bodies around a contract are buyers only in a buyer role;
        - where a text declares its buyer (a notice's buyer block), a bare acronym ("NHSE") is not a
          further buyer;
        - "NHS England and NHS Improvement" said loosely in a text about one of its regional teams
          is that team;
        - Welsh health boards are trusts, and buyers too in a notice.
        """
        regional = [c.name for c in kept if c.label == "BUYER" and
                    c.name.startswith("NHS England and NHS Improvement ")]
        out = []
        for c in kept:
            if c.label == "BUYER":
                kind = self.gz.row("BUYER", c.name).get("kind", "")
                if c.name in self.role_only and c.role != "buyer":
                    continue
                if c.role != "buyer" and self.not_buyer_after.match(text, c.end):
                    continue  # "applies to NHS England, Integrated Care Boards, NHS trusts ...": a kind of body
                if c.role != "buyer" and (self.partner_not_buyer.match(text, c.end) or
                                          self.partner_before.search(text, max(0, c.start - 160), c.start)):
                    continue  # "the Home Office and the Ministry of Justice are strategic partners"
                if kind == "welsh_health_board" and c.role != "buyer":
                    if not block_buyer:
                        continue
                if block_buyer and c.acronym and c.role != "buyer" and c.source != "acronym_local":
                    continue
                if c.name == "NHS England and NHS Improvement" and regional:
                    c = replace(c, name=regional[0])
            out.append(c)
        # A Welsh health board matched as a buyer is also a trust (and the other way round, in notices).
        extra = []
        labelled = {(o.label, o.start) for o in out}
        for c in out:
            if c.label == "BUYER" and self.gz.row("BUYER", c.name).get("kind") == "welsh_health_board":
                if ("TRUST", c.start) not in labelled:
                    extra.append(replace(c, label="TRUST", name=self.gz.canonical("TRUST", c.name) or c.name))
        for c in list(out):
            if c.label == "TRUST" and block_buyer and self.gz.canonical("BUYER", c.name) and \
                    self.gz.row("BUYER", c.name).get("kind") == "welsh_health_board":
                if ("BUYER", c.start) not in labelled:
                    extra.append(replace(c, label="BUYER", name=self.gz.canonical("BUYER", c.name)))
        return out + extra

    def _trust_references(self, text: str, kept: list[Cand]) -> list[Cand]:
        """"the trust" is a mention of the one trust in play (none when two or more are)."""
        trusts = {c.name for c in kept if c.label == "TRUST" and c.name}
        if len(trusts) != 1:
            return []
        name = next(iter(trusts))
        covered = _Coverage(kept)
        out = []
        for m in _words(_THE_TRUST, text):
            if "health board" in m.group(0).lower() and "Health Board" not in name:
                continue
            if "health board" not in m.group(0).lower() and "Health Board" in name:
                continue
            if not covered.covers(m.start()):
                out.append(Cand(m.start() + 4, m.end(), "TRUST", name, "reference"))
        return out


# -- helpers ---------------------------------------------------------------------------------------


def _resolve_overlaps(cands: list[Cand]) -> list[Cand]:
    """Keep the longest of overlapping candidates; one span may carry two labels.

    Linear-logarithmic: taken intervals never overlap, so one bisect finds any clash.
    """
    order = sorted(cands, key=lambda c: (-(c.end - c.start), -_PRIORITY.get(c.source, 0), c.start))
    taken_starts: list[int] = []
    taken_ends: list[int] = []
    kept: dict[tuple, Cand] = {}
    by_span: dict[tuple[int, int], list[tuple]] = {}
    for c in order:
        if c.end <= c.start:
            continue
        key = (c.start, c.end, c.label)
        if key in kept:
            if c.role and not kept[key].role:
                kept[key] = replace(kept[key], role=c.role)
            continue
        same_span = by_span.get((c.start, c.end))
        if same_span:
            if _dual_label_ok(kept[same_span[0]], c):
                kept[key] = c
                same_span.append(key)
            continue
        i = bisect.bisect_left(taken_starts, c.end)
        # The taken interval starting before c.end with the greatest start is the only candidate clash
        # (taken intervals are disjoint, so their ends are sorted like their starts).
        if i > 0 and taken_ends[i - 1] > c.start:
            continue
        taken_starts.insert(i, c.start)
        taken_ends.insert(i, c.end)
        kept[key] = c
        by_span[(c.start, c.end)] = [key]
    return sorted(kept.values(), key=lambda c: (c.start, -c.end))


class _Coverage:
    """Which character offsets are inside a kept span (bisect over merged intervals)."""

    def __init__(self, cands: list[Cand]):
        merged: list[list[int]] = []
        for c in sorted(cands, key=lambda c: c.start):
            if merged and c.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], c.end)
            else:
                merged.append([c.start, c.end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end) - 1
        return i >= 0 and self.ends[i] > start

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def _words(pattern: re.Pattern, text: str):
    """``pattern.finditer(text)``, keeping matches that start a word.

    Patterns here do not begin with ``\\b``: a leading literal lets the regex engine jump to
    candidate positions instead of trying every character, and the word start is checked here.
    """
    for m in pattern.finditer(text):
        i = m.start()
        if i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"):
            yield m


def _group_to_subsidiary(kept: list[Cand]) -> list[Cand]:
    """"G4S Health Services ... existing G4S staff": a group name written after its subsidiary's
    name is a short reference to that subsidiary. Written first ("operated by G4S ... a contract
    with G4S Medical"), it is the group itself."""
    first: dict[str, int] = {}
    for c in kept:
        if c.label == "COMPANY" and c.name:
            first[c.name] = min(first.get(c.name, c.start), c.start)
    parents = {}
    for a in first:
        longer = [b for b in first if b != a and b.startswith(a + " ")]
        if len(longer) == 1 and first[longer[0]] < first[a]:
            parents[a] = longer[0]
    if not parents:
        return kept
    return [replace(c, name=parents[c.name]) if c.label == "COMPANY" and c.name in parents else c for c in kept]


def _dual_label_ok(a: Cand, b: Cand) -> bool:
    """Trust + buyer on one span (a Welsh health board; a trust that buys)."""
    return {a.label, b.label} == {"TRUST", "BUYER"}


def _head_start(text: str, m: re.Match) -> int | None:
    """Where "NHS Foundation Trust" / "Health Board" begins, given its last word; None if a
    "Board" is not a health board."""
    start = m.start()
    word = m.group(0)
    if word == "Board":
        if text[max(0, start - 7):start] != "Health ":
            return None
        start -= 7
    elif word == "Trust" and text[max(0, start - 11):start] == "Foundation ":
        start -= 11
    if text[max(0, start - 4):start] == "NHS ":
        start -= 4
    return start


def _words_before(text: str, pos: int, max_words: int = 10, *, commas: bool = False,
                  capitals: str = "") -> list[tuple[int, int]]:
    """Capitalised words (and connectors between them) that end right before ``pos``.

    A sentence end stops the walk; commas are crossed only with ``commas`` ("Tees, Esk and Wear").

    >>> t = "Since 2012 Leeds and York Partnership NHS Trust"
    >>> [t[a:b] for a, b in _words_before(t, t.index(" NHS"))]
    ['Leeds', 'and', 'York', 'Partnership']
    """
    words: list[tuple[int, int]] = []
    i = pos
    while i > 0 and len(words) < max_words:
        j = i
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if j > 0 and text[j - 1] == ",":
            if not commas or not words:
                break
            j -= 1
            while j > 0 and text[j - 1] in " \t":
                j -= 1
        k = j
        while k > 0 and not text[k - 1].isspace() and text[k - 1] not in ",()[]\"“”":
            k -= 1
        word = text[k:j]
        if not word or word.endswith(".") and len(word) > 2 and not word.isupper():
            break
        if _CAP_WORD.fullmatch(word) or (capitals and re.fullmatch(capitals, word)) or \
                (word.lower() in _CONNECTORS and words):
            words.insert(0, (k, j))
            i = k
        else:
            break
    while words and text[words[0][0]:words[0][1]].lower() in _CONNECTORS:
        words.pop(0)
    return words


def _after_last(text: str, words: list[tuple[int, int]], pattern: re.Pattern) -> list[tuple[int, int]]:
    """The words after the last one that is itself a head ("South Yorkshire Police and Humberside")."""
    for n in range(len(words) - 1, -1, -1):
        if pattern.fullmatch(text[words[n][0]:words[n][1]]):
            rest = words[n + 1:]
            while rest and text[rest[0][0]:rest[0][1]].lower() in _CONNECTORS:
                rest = rest[1:]
            return rest
    return words


def _cap_run_end(text: str, pos: int, *, line_mode: bool, cut: re.Pattern | None = None) -> int:
    """End of the capitalised name starting at ``pos`` (a whole line's name in line mode)."""
    end_line = text.find("\n", pos)
    end_line = len(text) if end_line < 0 else end_line
    if line_mode:
        line = text[pos:end_line]
        found = (cut or re.compile(r"\s+[-–(]\s*|,\s|\s{2,}|\s*\|")).search(line)
        return pos + (found.start() if found else len(line.rstrip()))
    end = pos
    for m in re.finditer(r"\S+", text[pos:end_line]):
        word = m.group(0).rstrip(",.;:")
        if _CAP_WORD.fullmatch(word) or word.lower() in _CONNECTORS:
            end = pos + m.start() + len(word)
            if m.group(0) != word:
                break
        else:
            break
    return end


_FINAL_PERIOD = re.compile(r"\.(?=\s|$)")
_FINAL_WORD = re.compile(r"(?:[A-Z0-9][A-Za-z0-9&]*[A-Z0-9]|(?<=/)[A-Z])\.")


def _split_final_periods(doc: Doc, text: str) -> None:
    """Split "G4S." / "PPG." at a sentence end into name and full stop.

    spaCy's English tokenizer keeps a full stop on a token that ends in a capital or a digit, so
    an acronym ending a sentence would never match. The text (and every offset) is unchanged.
    """
    splits = []
    for m in _FINAL_PERIOD.finditer(text):
        start = m.start()
        if not start or not ("A" <= text[start - 1] <= "Z" or "0" <= text[start - 1] <= "9"):
            continue
        while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "/(":
            start -= 1
        if not _FINAL_WORD.fullmatch(text, start, m.end()):
            continue
        span = doc.char_span(start, m.end())
        if span is not None and len(span) == 1:
            splits.append(span[0])
    if not splits:
        return
    with doc.retokenize() as retokenizer:
        for token in splits:
            word = token.text[:-1]
            retokenizer.split(token, [word, "."], heads=[(token, 0), (token, 0)])


def _doc_text(doc: Doc) -> str:
    """``doc.text`` from arrays (``doc.text`` makes a Token object per token, which is slower)."""
    strings = doc.vocab.strings
    return "".join(strings[o] + " " if sp else strings[o] for o, sp in doc.to_array([ORTH, SPACY]).tolist())


def _any_start_in(starts: dict, lo: int, hi: int) -> bool:
    """Does a candidate start at an offset in [lo, hi)? (``starts`` is keyed by offset.)"""
    if hi - lo < 64:
        return any(pos in starts for pos in range(lo, hi))
    return any(lo <= pos < hi for pos in starts)


def _official_buyer_name(written: str) -> str:
    """The official form of an open-set buyer's name, or "" to report it as written.

    >>> _official_buyer_name("Cleveland Police and Crime Commissioner")
    'Police and Crime Commissioner for Cleveland'
    >>> _official_buyer_name("Norfolk & Waveney Integrated Care Board")
    'NHS Norfolk and Waveney Integrated Care Board'
    """
    m = re.fullmatch(r"(?:Office of the )?(.+?) Police (?:and|&) Crime Commissioner", written)
    if m and not written.startswith("Office"):
        return f"Police and Crime Commissioner for {m.group(1)}"
    if re.fullmatch(r"(?:Office of the )?Police & Crime Commissioner for .+", written):
        return written.replace(" & ", " and ")
    if written.endswith("Integrated Care Board") and not written.upper() == written:
        name = written.replace(" & ", " and ")
        return name if name.startswith("NHS ") else "NHS " + name
    return ""


def _is_company_at(starts: dict, pos: int) -> bool:
    return pos in starts and starts[pos].label == "COMPANY"


def _sentence_bounds(text: str, pos: int, window: int = 600) -> tuple[int, int]:
    """The sentence around ``pos`` (a full stop or a line break ends it; at most ``window`` chars
    each way, so that long texts without breaks stay linear)."""
    lo = max(0, pos - window)
    start = max(text.rfind(". ", lo, pos), text.rfind("\n", lo, pos), lo - 1) + 1
    return start, _sentence_end(text, pos, window)


def _sentence_end(text: str, pos: int, window: int = 600) -> int:
    hi = min(len(text), pos + window)
    ends = [i for i in (text.find(". ", pos, hi), text.find("\n", pos, hi)) if i >= 0]
    return min(ends) if ends else hi


def _token_at(starts: list[int], char: int) -> int:
    return bisect.bisect_left(starts, char)


def _open_key(name: str) -> str:
    name = name.lower().replace("&", " and ")
    name = re.sub(r"\b(ltd|limited|plc|llp|uk|the|group)\b", " ", name)
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _expand(key: str) -> str:
    key = re.sub(r"\bccg\b", "clinical commissioning group", key)
    key = re.sub(r"\bicb\b", "integrated care board", key)
    return re.sub(r"\bpct\b", "primary care trust", key)


def _to_spans(doc: Doc, cands: list[Cand]) -> list[Span]:
    spans = []
    seen = set()
    for c in sorted(cands, key=lambda c: (c.start, -c.end, c.label)):
        span = doc.char_span(c.start, c.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        key = (span.start, span.end, c.label)
        if key in seen:
            continue
        seen.add(key)
        spans.append(Span(doc, span.start, span.end, label=c.label, span_id=c.name))
    return spans
