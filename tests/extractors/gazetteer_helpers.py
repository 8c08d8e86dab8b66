"""Shared helpers for the entity tests: one small pipeline (sentencizer + hj_gazetteer)."""

from __future__ import annotations

import functools

import spacy

from hjwatch.extractors.components import register_extensions
import hjwatch.extractors.components.gazetteer  # noqa: F401  (registers the factory)


@functools.lru_cache(maxsize=1)
def entity_nlp():
    """Built once per test session: gazetteer loading is the slow part."""
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("hj_gazetteer", config={"overlay_path": "/nonexistent/overlay.jsonl"})
    return nlp


def names(text: str, label: str | None = None, nlp=None) -> list[str]:
    """Names found in ``text`` (canonical, or as written when in no gazetteer), in order, once."""
    doc = (nlp or entity_nlp())(text)
    out = []
    for span in doc.spans["hj_entities"]:
        if label and span.label_ != label:
            continue
        name = span.id_ or span.text
        if name not in out:
            out.append(name)
    return out
