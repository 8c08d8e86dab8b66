"""Prisons named by a bare name: lists that carry the prison word once, and names in context.

Works on token texts (``[t.text for t in doc]``) and returns token spans with the row they name:

>>> index = {("liverpool",): ["HMP Liverpool"], ("haverigg",): ["HMP Haverigg"],
...          ("buckley", "hall"): ["HMP Buckley Hall"]}
>>> toks = "HMP Liverpool , Haverigg , Buckley Hall and Leeds".split()
>>> continue_list(toks, 2, index, need_sep=True)
[(3, 4, 'HMP Haverigg'), (5, 7, 'HMP Buckley Hall')]

The name after a separator must be capitalised and must not run on into a longer proper name
("HMP Liverpool and Manchester University" does not name HMP Manchester).
"""

from __future__ import annotations

from typing import Callable

MAX_NAME_TOKENS = 4
SEPARATORS = {",", "and", "&", "/", ";"}
# Tokens after a plural prison word that open a list: "three prisons – Bure, Norwich and Wayland".
LIST_OPENERS = {"–", "-", "—", ":", "(", "including", "namely", "for", "at", "of"}
# Plural prefixes that open a list at once: "HMPs Highpoint and Hollesley Bay", "HM Prisons Usk & Prescoed".
PREFIX_TRIGGERS = {("hmps",), ("hm", "prisons"), ("hmyois",), ("hmp", "'s"), ("hmp", "’s")}
PLURAL_TRIGGERS = {
    ("hm", "prisons"): "prison",
    ("prisons",): "prison", ("jails",): "prison", ("hmps",): "prison", ("hmp", "'s"): "prison",
    ("yois",): "prison", ("hmyois",): "prison", ("establishments",): "prison",
    ("irc",): "irc", ("ircs",): "irc", ("immigration", "removal", "centres"): "irc",
    ("immigration", "removal", "centre"): "irc",
    ("sch",): "sch", ("schs",): "sch", ("secure", "children", "’s", "homes"): "sch",
    ("secure", "children", "'s", "homes"): "sch", ("secure", "children", "homes"): "sch",
    ("stcs",): "stc", ("secure", "training", "centres"): "stc",
}
# The plural words that name their list from behind: "Campsfield House and Haslar IRCs".
SUFFIX_TRIGGERS = {k: v for k, v in PLURAL_TRIGGERS.items() if k not in PREFIX_TRIGGERS}


def match_bare(toks: list[str], i: int, index: dict, *, forward: bool = True) -> tuple[int, tuple] | None:
    """Longest bare name starting (forward) or ending (backward) at ``i``: (other end, key)."""
    for n in range(MAX_NAME_TOKENS, 0, -1):
        if forward:
            lo, hi = i, i + n
        else:
            lo, hi = i - n + 1, i + 1
        if lo < 0 or hi > len(toks):
            continue
        key = tuple(t.lower() for t in toks[lo:hi])
        if key in index and toks[lo][:1].isupper():
            return (hi if forward else lo), key
    return None


def _runs_on(toks: list[str], end: int) -> bool:
    """True when the name at ``[.., end)`` continues as a longer proper name or a possessive."""
    if end >= len(toks):
        return False
    nxt = toks[end]
    if nxt in {"'s", "’s"}:
        return True
    return nxt[:1].isupper() and nxt.lower() not in SEPARATORS and nxt not in {"HMP", "HMPs"}


def continue_list(toks: list[str], i: int, index: dict, *, need_sep: bool,
                  pick: Callable[[list[str]], str] | None = None) -> list[tuple[int, int, str]]:
    """Names listed from token ``i`` on: separators, then a bare name, and again."""
    pick = pick or (lambda names: names[0])
    found = []
    while i < len(toks):
        if need_sep:
            j = i
            while j < len(toks) and toks[j].lower() in SEPARATORS:
                j += 1
            if j == i:
                break
            i = j
        hit = match_bare(toks, i, index)
        if hit is None:
            break
        end, key = hit
        if _runs_on(toks, end):
            break
        found.append((i, end, pick(index[key])))
        i, need_sep = end, True
    return found


def list_backwards(toks: list[str], i: int, index: dict,
                   pick: Callable[[list[str]], str] | None = None,
                   single_ok: Callable[[str], bool] | None = None) -> list[tuple[int, int, str]]:
    """Names listed before a plural suffix that starts at token ``i`` ("X, Y and Z prisons").

    >>> idx = {("campsfield", "house"): ["Campsfield House IRC"], ("haslar",): ["Haslar IRC"]}
    >>> list_backwards("to Campsfield House and Haslar IRCs".split(), 5, idx)
    [(1, 3, 'Campsfield House IRC'), (4, 5, 'Haslar IRC')]
    """
    pick = pick or (lambda names: names[0])
    found = []
    j = i - 1
    first = True
    while j >= 0:
        if not first:
            k = j
            while k >= 0 and toks[k].lower() in SEPARATORS:
                k -= 1
            if k == j:
                break
            j = k
        hit = match_bare(toks, j, index, forward=False)
        if hit is None:
            break
        start, key = hit
        found.append((start, j + 1, pick(index[key])))
        j, first = start - 1, False
    # One name before a plural suffix counts only where the suffix fits its row
    # ("Heathrow Immigration Removal Centres"); "Leeds prisons" is about a city.
    if len(found) == 1 and not (single_ok and single_ok(found[0][2])):
        return []
    return sorted(found)


def find_triggers(toks: list[str]) -> list[tuple[int, int, str]]:
    """Plural prison words: (start, end, type) for each occurrence.

    >>> find_triggers("three prisons – Bure".split())
    [(1, 2, 'prison')]
    """
    out = []
    for i, tok in enumerate(toks):
        keys = _BY_FIRST.get(tok.lower())
        if not keys:
            continue
        for key, kind in keys:
            n = len(key)
            if n == 1 or tuple(t.lower() for t in toks[i:i + n]) == key:
                out.append((i, i + n, kind))
    return out


_BY_FIRST: dict[str, list[tuple[tuple, str]]] = {}
for _key, _kind in PLURAL_TRIGGERS.items():
    _BY_FIRST.setdefault(_key[0], []).append((_key, _kind))
