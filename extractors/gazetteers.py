"""The gazetteers as data for matching: canonical names, their aliases, and the local overlay.

The shipped CSVs in ``extractors/data/gazetteers/`` are read once through ``importlib.resources``
and turned into :class:`Alias` rows, each saying how a surface form may be matched:

- ``exact``: specific enough to match anywhere (case-insensitive), e.g. "HMP Belmarsh",
  "Oxleas Foundation Trust", "NHS England";
- ``acronym``: matched only as written (case-sensitive), e.g. "AWP", "NECS", "PPG";
- ``bare``: a prison's name without any prison word ("Belmarsh", "Leeds"); matched only in a
  list that carries the prefix once, next to a prison word, or (if not a place name or a common
  word) in a document about prisons;
- ``place``: a trust's bare core that is only a place ("Norfolk and Suffolk"): never matched alone.

>>> gz = load_gazetteer()
>>> gz.canonical("PRISON", "HMP Belmarsh")
'HMP Belmarsh'
>>> sorted({a.kind for a in gz.aliases if a.name == "Oxleas NHS Foundation Trust"})
['exact']
>>> gz.resolve_trust("Tees, Esk and Wear Valley Foundation Trust")
'Tees, Esk and Wear Valleys NHS Foundation Trust'

The overlay is a JSONL file a reviewer extends (``hjwatch review``); each line is
``{"label": "PRISON|TRUST|COMPANY|BUYER", "name": canonical, "aliases": [...]}``.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

from hjwatch import InputError

log = logging.getLogger(__name__)

LABELS = ("PRISON", "TRUST", "COMPANY", "BUYER")
OVERLAY_ENV = "HJWATCH_GAZETTEER_OVERLAY"

# Prefixes and suffixes that make a prison name specific ("HMP Leeds", "Leeds prison").
_PRISON_PREFIXES = (
    "HMP", "HMPs", "HMP/YOI", "HMP & YOI", "HMP and YOI", "HMPYOI", "HMYOI", "HM YOI", "HMP/YOI",
    "HM Prison", "His Majesty's Prison", "Her Majesty's Prison", "HM Young Offender Institution",
    "IRC", "STC", "HM Remand Centre",
    # Welsh: "Carchar" (prison), "Sefydliad Troseddwyr Ifanc" (young offender institution).
    "Carchar", "Carchar y", "Sefydliad Troseddwyr Ifanc", "Sefydliad Troseddwyr Ifanc y",
)
_PRISON_SUFFIXES = (
    "prison", "Prison", "jail", "Jail", "gaol", "YOI", "IRC", "IRCs", "STC", "SCH", "STHF", "CCU", "PDA",
    "Immigration Removal Centre", "Immigration Removal Centres", "Immigration Centre", "Immigration Detention Centre",
    "Secure Children's Home", "Secure Training Centre", "Secure Training Centre (STC)", "Secure Unit",
    "Secure Centre", "Secure Care Centre", "Secure Children's Centre", "Young Offender Institution",
    "short-term holding facility", "Short-Term Holding Facility", "Community Custody Unit", "(HMP)",
    "(HMP & YOI)", "(hmYOI)", "(STC)", "(hmrc)", "secure unit", "secure school", "Secure School",
)
_SUFFIX_FORMS = {
    "prison": ("prison", "Prison", "jail", "Jail"),
    "yoi": ("prison", "Prison", "YOI", "jail"),
    "irc": ("IRC", "Immigration Removal Centre"),
    "stc": ("STC", "Secure Training Centre"),
    "sch": ("SCH", "Secure Children's Home", "Secure Unit"),
    "other": (),
}
_PREFIX_FORMS = {
    "prison": ("HMP", "HMP/YOI", "HMP & YOI", "HMP and YOI", "HMPYOI", "HMYOI", "HM Prison",
               "His Majesty's Prison", "Her Majesty's Prison"),
    "yoi": ("HMP", "HMYOI", "HM YOI", "HMP/YOI", "HMP & YOI", "HM Young Offender Institution"),
    "irc": ("IRC",),
    "stc": ("STC",),
    "sch": (),
    "other": (),
}

# Trust name endings: stripped to find a trust's "core" ("Oxleas", "Lancashire Care").
_TRUST_ENDINGS = re.compile(
    r"(?:,?\s*(?:NHS\s+)?(?:Foundation\s+Trust|Trust|FT)|\s+University\s+(?:Local\s+)?Health\s+Board|"
    r"\s+(?:Teaching\s+)?(?:Local\s+)?Health\s+Board|\s+UHB|\s+LHB)$",
    re.I,
)
_KEY_DROP = {"nhs", "foundation", "trust", "ft", "the", "of"}
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Z0-9&/]+[a-z]?[A-Z0-9&/]*$|^[A-Z][a-z]?[A-Z][A-Za-z&]*$")


@dataclass(frozen=True)
class Alias:
    """One surface form of one canonical name."""

    text: str
    label: str
    name: str
    kind: str  # exact | acronym | bare | place


@dataclass
class Gazetteer:
    """Canonical rows and aliases for the four labels, plus lookup helpers."""

    rows: dict[str, dict[str, dict]] = field(default_factory=dict)  # label -> name -> row
    aliases: list[Alias] = field(default_factory=list)
    place_words: frozenset[str] = frozenset()
    common_words: frozenset[str] = frozenset()
    words: dict = field(default_factory=dict)
    _trust_keys: dict[tuple, set[str]] = field(default_factory=dict)

    def canonical(self, label: str, name: str) -> str | None:
        """The canonical name if ``name`` is one (case-insensitive), else None."""
        table = self.rows.get(label, {})
        if name in table:
            return name
        low = name.lower()
        for key in table:
            if key.lower() == low:
                return key
        return None

    def row(self, label: str, name: str) -> dict:
        return self.rows.get(label, {}).get(name, {})

    def is_place_like(self, text: str) -> bool:
        """True when ``text`` is made only of place words and connectors ("Norfolk and Suffolk")."""
        return is_place_like(text, self.place_words)

    def resolve_trust(self, text: str) -> str | None:
        """Resolve a written trust name, even an odd one, to a canonical trust (or None).

        Exact key first ("Oxleas Foundation Trust"); then a unique row whose core contains every
        word of the written core, starting with the same word ("Avon and Wiltshire Partnership
        Trust" -> Avon and Wiltshire Mental Health Partnership NHS Trust).

        >>> load_gazetteer().resolve_trust("Norfolk and Suffolk NHS Trust")
        'Norfolk and Suffolk NHS Foundation Trust'
        >>> load_gazetteer().resolve_trust("Nowhere Special NHS Trust") is None
        True
        """
        key = trust_key(text)
        if not key:
            return None
        exact = self._trust_keys.get(key)
        if exact and len(exact) == 1:
            return next(iter(exact))
        if exact:
            return None
        if len(key) < 2:
            return None
        wanted = set(key)
        found = set()
        for row_key, names in self._trust_keys.items():
            if row_key[0] == key[0] and wanted <= set(row_key):
                found |= names
        return next(iter(found)) if len(found) == 1 else None


def trust_key(text: str) -> tuple[str, ...]:
    """A loose key for trust names: lower case, '&' = 'and', no NHS/Foundation/Trust, no plural s.

    >>> trust_key("Tees, Esk & Wear Valleys NHS Foundation Trust")
    ('tee', 'esk', 'and', 'wear', 'valley')
    """
    # "King's" and "Kings" are one word; '&' is 'and'.
    text = text.lower().replace("&", " and ").replace("’", "'").replace("'s ", "s ").replace("'", "")
    text = re.sub(r"\b(university )?(local )?health board\b", " healthboard ", text)
    tokens = re.findall(r"[a-z0-9]+", text)
    out = []
    for tok in tokens:
        if tok in _KEY_DROP:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return tuple(out)


def is_place_like(text: str, place_words: Iterable[str]) -> bool:
    rest = _place_regex(frozenset(place_words)).sub(" ", " " + _flat(text) + " ")
    leftover = [t for t in rest.split() if t not in {"and", "of", "the", "st", "upon", "on", "-", "'s"}]
    return not leftover


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace(",", " ").replace("&", " and "))


@functools.lru_cache(maxsize=4)
def _place_regex(place_words: frozenset[str]) -> re.Pattern:
    alternation = "|".join(re.escape(_flat(p)) for p in sorted(place_words, key=len, reverse=True))
    return re.compile(rf"(?<= )(?:{alternation})(?= )")


def _joined_places(text: str) -> bool:
    """"Calderdale and Huddersfield": two names joined, with no word saying what kind of body."""
    return bool(re.search(r" (?:and|&) ", text)) and not re.search(
        r"Women|Children|Cancer|Centre|Orthopaedic|Learning|Disabilit|Royal|Valleys|Bro", text)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def _read_csv(filename: str) -> list[dict]:
    ref = resources.files("hjwatch.extractors.data").joinpath("gazetteers", filename)
    return list(csv.DictReader(io.StringIO(ref.read_text(encoding="utf-8"))))


def _read_words() -> dict:
    ref = resources.files("hjwatch.extractors.data").joinpath("patterns", "entity_words.json")
    return json.loads(ref.read_text(encoding="utf-8"))


def _is_acronym(text: str) -> bool:
    return " " not in text and bool(_ACRONYM.match(text)) and len(text) <= 8


def _variants(text: str) -> set[str]:
    """Spelling variants that mean the same name: '&'/'and', dashes, parentheses, curly quotes."""
    out = {text}
    for form in list(out):
        out.add(form.replace(" & ", " and "))
        out.add(form.replace(" and ", " & "))
    for form in list(out):
        out.add(form.replace("'", "’"))
        plain = re.sub(r"\s+[-–]\s+", " ", form)
        plain = re.sub(r"[()]", "", plain)
        out.add(re.sub(r"\s+", " ", plain).strip())
    return {v for v in out if v}


def _strip_prison_words(text: str) -> str | None:
    """'HMP Leeds' -> 'Leeds'; 'Aycliffe SCH' -> 'Aycliffe'; a name without prison words -> None."""
    for prefix in sorted(_PRISON_PREFIXES, key=len, reverse=True):
        if text.startswith(prefix + " "):
            return text[len(prefix) + 1:].strip()
    for suffix in sorted(_PRISON_SUFFIXES, key=len, reverse=True):
        if text.endswith(" " + suffix):
            return text[: -len(suffix) - 1].strip()
    return None


def _prison_aliases(gz: Gazetteer, rows: list[dict]) -> Iterable[Alias]:
    for row in rows:
        name, kind = row["name"], row.get("type") or "prison"
        bares = {row.get("short_name", "").strip()} - {""}
        specific = {name}
        for alias in _split(row.get("aliases", "")):
            bare = _strip_prison_words(alias)
            if bare is None and " - " in alias:
                bare = alias.split(" - ")[-1]
            if bare is None:
                bares.add(alias)
            else:
                specific.add(alias)
                if " - " in bare:  # "HMP Isle of Wight - Parkhurst"
                    bares.add(bare.split(" - ")[-1])
                elif not bare.startswith("Isle of Wight"):
                    bares.add(bare)
        for bare in bares:
            for prefix in _PREFIX_FORMS.get(kind, ()):
                specific.add(f"{prefix} {bare}")
            for suffix in _SUFFIX_FORMS.get(kind, ()):
                specific.add(f"{bare} {suffix}")
        for text in specific:
            for v in _variants(text):
                yield Alias(v, "PRISON", name, "exact")
        for bare in bares:
            for v in _variants(bare):
                yield Alias(v, "PRISON", name, "bare")


def _trust_core(text: str) -> str:
    core = _TRUST_ENDINGS.sub("", text).strip()
    return re.sub(r"^The\s+", "", core)


def _trust_aliases(gz: Gazetteer, rows: list[dict]) -> Iterable[Alias]:
    for row in rows:
        name = row["name"]
        forms = [name, *_split(row.get("short_names", "")), *_split(row.get("former_names", ""))]
        for form in forms:
            for v in _variants(form):
                if _is_acronym(v):
                    yield Alias(v, "TRUST", name, "acronym")
                    continue
                has_org_word = bool(re.search(
                    r"\b(Trust|NHS|FT|Health|Healthcare|Care|Hospital|Hospitals|Partnership|Board|"
                    r"Ambulance|Mental|Community|Clinic|Infirmary|Services|Children's|Teaching)\b", v))
                if has_org_word and not v.lower() in {c.lower() for c in gz.common_words}:
                    yield Alias(v, "TRUST", name, "exact")
                elif gz.is_place_like(v) or v in gz.common_words or len(v) < 4 or _joined_places(v):
                    yield Alias(v, "TRUST", name, "place")
                else:
                    yield Alias(v, "TRUST", name, "exact")
            # Generated forms of the core ("Oxleas" -> "Oxleas Trust", "Oxleas NHS Foundation Trust").
            if _is_acronym(form):
                continue
            core = _trust_core(form)
            if core and core != form and not _is_acronym(core):
                # The bare core ("Lancashire Care", "Oxleas") unless it is only a place or a common word.
                if not (gz.is_place_like(core) or core in gz.common_words or len(core) < 4
                        or _joined_places(core)):
                    yield Alias(core, "TRUST", name, "exact")
                for ending in ("NHS Foundation Trust", "Foundation Trust", "NHS Trust", "NHS FT", "Trust"):
                    for v in _variants(f"{core} {ending}"):
                        yield Alias(v, "TRUST", name, "exact")
        for form in forms:
            gz._trust_keys.setdefault(trust_key(form), set()).add(name)
            core = _trust_core(form)
            if core and not _is_acronym(core):
                gz._trust_keys.setdefault(trust_key(core), set()).add(name)


def _org_aliases(gz: Gazetteer, rows: list[dict], label: str) -> Iterable[Alias]:
    for row in rows:
        name = row["name"]
        forms = [name, *_split(row.get("aliases", ""))]
        # "North of England Commissioning Support (NECS)": the bare name and the acronym are forms too.
        m = re.match(r"^(.*?)\s*\(([^)]+)\)$", name)
        if m:
            forms += [m.group(1), m.group(2)]
        for form in forms:
            for v in _variants(form):
                if v in gz.common_words:
                    yield Alias(v, label, name, "place")
                elif _is_acronym(v):
                    yield Alias(v, label, name, "acronym")
                elif gz.is_place_like(v):
                    yield Alias(v, label, name, "place")
                else:
                    yield Alias(v, label, name, "exact")
            # "NHS Arden GEM CSU": a leading "NHS" is often added or dropped.
            if form.startswith("NHS ") and not form.startswith("NHS England"):
                rest = form[4:]
                if not _is_acronym(rest) and not gz.is_place_like(rest):
                    for v in _variants(rest):
                        yield Alias(v, label, name, "exact")
            elif not form.startswith("NHS") and " " in form and label == "BUYER" and not _is_acronym(form):
                for v in _variants("NHS " + form):
                    yield Alias(v, label, name, "exact")
            if " & " in form:  # "Arden & GEM" is also written "Arden GEM"
                v = form.replace(" & ", " ")
                yield Alias(v, label, name, "acronym" if _is_acronym(v) else "exact")


@functools.lru_cache(maxsize=8)
def load_gazetteer(overlay_path: str | None = None) -> Gazetteer:
    """Read the shipped gazetteers (and an overlay file, if given) into a :class:`Gazetteer`."""
    words = _read_words()
    gz = Gazetteer(
        place_words=frozenset(words.get("place_words", [])),
        common_words=frozenset(words.get("common_words", [])),
        words=words,
    )
    prisons = _read_csv("prisons.csv")
    trusts = _read_csv("nhs_trusts.csv")
    providers = _read_csv("providers.csv")
    commissioners = _read_csv("commissioners.csv")
    # Towns of prisons are places too ("Wakefield", "Norwich").
    gz.place_words = gz.place_words | {r["town"] for r in prisons if r.get("town")}
    gz.rows = {
        "PRISON": {r["name"]: r for r in prisons},
        "TRUST": {r["name"]: r for r in trusts},
        "COMPANY": {r["name"]: r for r in providers},
        "BUYER": {r["name"]: r for r in commissioners},
    }
    aliases: list[Alias] = []
    aliases += _prison_aliases(gz, prisons)
    aliases += _trust_aliases(gz, trusts)
    # HMPPS is listed among providers only because a brief named it; it is a buyer-side body.
    aliases += _org_aliases(gz, [r for r in providers if r["name"] not in gz.rows["BUYER"]], "COMPANY")
    aliases += _org_aliases(gz, commissioners, "BUYER")
    # Extra aliases shipped with the patterns (same format as the overlay), then the local overlay.
    extra = resources.files("hjwatch.extractors.data").joinpath("patterns", "extra_aliases.jsonl")
    entries = [e for e in (_valid_entry(json.loads(line)) for line in extra.read_text(encoding="utf-8").splitlines()
                           if line.strip()) if e]
    if overlay_path:
        entries += load_overlay(overlay_path)
    if entries:
        for entry in entries:
            gz.rows.setdefault(entry["label"], {}).setdefault(entry["name"], {"name": entry["name"], "overlay": True})
            for form in [entry["name"], *entry.get("aliases", [])]:
                for v in _variants(form):
                    kind = "acronym" if _is_acronym(v) else "exact"
                    aliases.append(Alias(v, entry["label"], entry["name"], kind))
                if entry["label"] == "TRUST":
                    gz._trust_keys.setdefault(trust_key(form), set()).add(entry["name"])
    gz.aliases = _drop_ambiguous(aliases)
    return gz


def _drop_ambiguous(aliases: list[Alias]) -> list[Alias]:
    """An alias that names two different rows of one label resolves to neither (e.g. "NHFT")."""
    seen: dict[tuple[str, str, str], set[str]] = {}
    for a in aliases:
        seen.setdefault((a.label, a.kind, a.text.lower() if a.kind != "acronym" else a.text), set()).add(a.name)
    out, done = [], set()
    for a in aliases:
        key = (a.label, a.kind, a.text.lower() if a.kind != "acronym" else a.text)
        if len(seen[key]) > 1 and a.kind != "bare":
            continue
        if (key, a.name) in done:
            continue
        done.add((key, a.name))
        out.append(a)
    return out


# -- the local overlay -------------------------------------------------------------------------


def overlay_path_from_env() -> str | None:
    """The overlay path from ``HJWATCH_GAZETTEER_OVERLAY``, or None when unset or empty."""
    value = os.environ.get(OVERLAY_ENV, "").strip()
    return value or None


def _valid_entry(obj) -> dict | None:
    if not isinstance(obj, dict):
        return None
    label, name = obj.get("label"), obj.get("name")
    aliases = obj.get("aliases", [])
    if label not in LABELS or not isinstance(name, str) or not name.strip():
        return None
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        return None
    return {"label": label, "name": name.strip(), "aliases": [a.strip() for a in aliases if a.strip()]}


def load_overlay(path: str | os.PathLike) -> list[dict]:
    """Entries of an overlay JSONL file; a missing file is an empty overlay.

    A malformed line is logged and skipped, so one bad edit never hides the others.

    >>> load_overlay("/nonexistent/overlay.jsonl")
    []
    """
    p = Path(path)
    if not p.exists():
        return []
    entries = []
    try:
        raw = p.read_bytes()
    except OSError as exc:
        log.warning("gazetteer overlay %s unreadable (%s); ignored", p, exc.strerror or exc)
        return []
    for lineno, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = _valid_entry(json.loads(line))
        except json.JSONDecodeError:
            entry = None
        if entry is None:
            log.warning("gazetteer overlay %s line %d is not a valid entry; skipped", p, lineno)
            continue
        entries.append(entry)
    return entries


def append_overlay(path: str | os.PathLike, entry: dict) -> dict:
    """Validate ``entry`` and append it to the overlay file (created if missing).

    Raises :class:`hjwatch.InputError` for an invalid entry. Call ``load_gazetteer.cache_clear()``
    (or build a new pipeline) for a running process to see it.
    """
    valid = _valid_entry(entry)
    if valid is None:
        raise InputError(
            "overlay entry needs label (PRISON, TRUST, COMPANY or BUYER), a non-empty name "
            "and a list of alias strings"
        )
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        with p.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(valid, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write gazetteer overlay {p}: {exc.strerror or exc}") from exc
    load_gazetteer.cache_clear()
    return valid
