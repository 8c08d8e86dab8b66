"""Alert rules: which stored records go to which recipients.

A rule is one ``[[alerts.rules]]`` table of ``hjwatch.toml``. Every condition it names must hold
(AND); a list condition holds when any of its values matches (OR). Names are compared with the
canonical gazetteer names case-insensitively, so ``prisons = ["hmp belmarsh"]`` works.

.. code-block:: toml

    [[alerts.rules]]
    name = "legal challenges"
    litigation = true
    to = ["legal@example.org"]     # optional; default: [alerts] to

    [[alerts.rules]]
    name = "big London awards"
    prisons = ["HMP Belmarsh", "HMP Thameside"]
    events = ["award", "loss"]
    min_value_gbp = 1000000
    keywords = ["mental health"]

With no rules configured, the default rule sends every new relevant record to ``[alerts] to``.

Example::

    >>> rules = parse_rules({"rules": [{"name": "big", "min_value_gbp": 1000}], "to": ["a@x.org"]})
    >>> rules[0].matches({"relevant": True, "values_gbp": [5000], "title": "t"})
    True
    >>> rules[0].matches({"relevant": True, "values_gbp": [50], "title": "t"})
    False
    >>> rules[0].recipients
    ('a@x.org',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, Iterable, Mapping

from hjwatch import InputError

# Conditions on lists of canonical names: the rule key and the record field it reads.
NAME_CONDITIONS = {
    "prisons": "prisons",
    "trusts": "trusts",
    "companies": "companies",
    "buyers": "buyers",
    "events": "events",
    "sources": "source",
}
KNOWN_KEYS = {
    "name", "to", "relevant", "litigation", "min_value_gbp", "keywords", "kind", *NAME_CONDITIONS,
}
KINDS = {"notice", "news"}
# Record fields whose text the ``keywords`` condition searches: the export fields carry the
# title and snippets; ``alerts.send_pending`` adds the stored ``text`` when a rule has keywords.
KEYWORD_FIELDS = ("title", "text", "summary", "litigation_snippets")


@dataclass(frozen=True)
class Rule:
    """One alert rule. ``None`` / empty means "no condition on this field"."""

    name: str
    recipients: tuple[str, ...] = ()
    relevant: bool | None = True
    litigation: bool | None = None
    min_value_gbp: int | None = None
    kind: str | None = None
    keywords: tuple[str, ...] = ()
    any_of: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """True when every condition of the rule holds for ``record`` (an export-shaped dict).

        >>> Rule("lit", litigation=True).matches({"relevant": True, "litigation": False})
        False
        >>> Rule("p", any_of={"prisons": frozenset({"hmp belmarsh"})}).matches(
        ...     {"relevant": True, "prisons": ["HMP Belmarsh"]})
        True
        """
        if self.relevant is not None and bool(record.get("relevant")) != self.relevant:
            return False
        if self.litigation is not None and bool(record.get("litigation")) != self.litigation:
            return False
        if self.kind is not None and record.get("kind") != self.kind:
            return False
        if self.min_value_gbp is not None:
            values = [v for v in _as_list(record.get("values_gbp")) if isinstance(v, (int, float))]
            if not values or max(values) < self.min_value_gbp:
                return False
        for key, wanted in self.any_of.items():
            have = {_fold(v) for v in _as_list(record.get(NAME_CONDITIONS[key]))}
            if not have & wanted:
                return False
        if self.keywords:
            haystack = _fold(" ".join(_texts(record)))
            # Whole words: "IRC" must not match "circle".
            if not any(re.search(rf"(?<!\w){re.escape(k)}(?!\w)", haystack) for k in self.keywords):
                return False
        return True


DEFAULT_RULE_NAME = "every new relevant record"


def parse_rules(alerts: Mapping[str, Any]) -> list[Rule]:
    """Rules from the ``[alerts]`` table; the default rule when none are given.

    Raises :class:`InputError` naming the rule and key for anything malformed, so a typo in
    ``hjwatch.toml`` is reported before a run instead of silently matching nothing.

    >>> [r.name for r in parse_rules({"to": ["a@x.org"]})]
    ['every new relevant record']
    >>> parse_rules({"rules": [{"name": "x", "prison": ["HMP Leeds"]}]})
    Traceback (most recent call last):
    ...
    hjwatch.InputError: [[alerts.rules]] "x": unknown key 'prison' (known: buyers, companies, events, keywords, kind, litigation, min_value_gbp, name, prisons, relevant, sources, to, trusts)
    """
    default_to = _recipients(alerts.get("to", []), "[alerts] to")
    raw_rules = alerts.get("rules") or []
    if not isinstance(raw_rules, list):
        raise InputError("[alerts] rules must be an array of tables ([[alerts.rules]])")
    if not raw_rules:
        return [Rule(DEFAULT_RULE_NAME, recipients=default_to)]
    rules = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rules, 1):
        rule = _parse_rule(raw, i, default_to)
        if rule.name in seen:
            raise InputError(f'[[alerts.rules]] "{rule.name}": the name is used twice')
        seen.add(rule.name)
        rules.append(rule)
    return rules


def _parse_rule(raw: Any, index: int, default_to: tuple[str, ...]) -> Rule:
    if not isinstance(raw, Mapping):
        raise InputError(f"[[alerts.rules]] number {index} must be a table")
    name = raw.get("name", f"rule {index}")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"[[alerts.rules]] number {index}: name must be a non-empty string")
    where = f'[[alerts.rules]] "{name}"'
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KNOWN_KEYS))})")
    for key in ("relevant", "litigation"):
        if key in raw and not isinstance(raw[key], bool):
            raise InputError(f"{where}: {key} must be true or false")
    min_value = raw.get("min_value_gbp")
    if min_value is not None and (isinstance(min_value, bool) or not isinstance(min_value, (int, float))):
        raise InputError(f"{where}: min_value_gbp must be a number of pounds")
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        raise InputError(f"{where}: kind must be one of {', '.join(sorted(KINDS))}")
    any_of = {}
    for key in NAME_CONDITIONS:
        if key in raw:
            values = _strings(raw[key], f"{where}: {key}")
            if values:
                any_of[key] = frozenset(_fold(v) for v in values)
    keywords = tuple(_fold(k) for k in _strings(raw.get("keywords", []), f"{where}: keywords") if k.strip())
    recipients = _recipients(raw["to"], f"{where}: to") if "to" in raw else default_to
    return Rule(
        name=name.strip(),
        recipients=recipients,
        relevant=raw.get("relevant", True),
        litigation=raw.get("litigation"),
        min_value_gbp=min_value,
        kind=kind,
        keywords=keywords,
        any_of=any_of,
    )


def recipients_for(record: Mapping[str, Any], rules: Iterable[Rule]) -> dict[str, list[str]]:
    """Recipient → names of the rules that send ``record`` to them.

    >>> rules = [Rule("all", ("a@x.org",)), Rule("lit", ("b@x.org",), litigation=True)]
    >>> recipients_for({"relevant": True, "litigation": True}, rules)
    {'a@x.org': ['all'], 'b@x.org': ['lit']}
    """
    out: dict[str, list[str]] = {}
    for rule in rules:
        if rule.matches(record):
            for r in rule.recipients or ("",):
                out.setdefault(r, []).append(rule.name)
    return out


def _recipients(value: Any, where: str) -> tuple[str, ...]:
    values = _strings(value, where)
    for v in values:
        _, addr = parseaddr(v)
        if "@" not in addr or any(c.isspace() for c in addr):
            raise InputError(f"{where}: {v!r} is not an email address")
    return tuple(values)


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where} must be a string or a list of strings")
    return list(value)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def _texts(record: Mapping[str, Any]) -> Iterable[str]:
    for key in KEYWORD_FIELDS:
        for v in _as_list(record.get(key)):
            if isinstance(v, str):
                yield v


def _fold(value: Any) -> str:
    return " ".join(str(value).casefold().split())
