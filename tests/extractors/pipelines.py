"""Small pipelines for component tests: ``spacy.blank("en")`` plus the named components only."""

from __future__ import annotations

import spacy

from hjwatch.extractors.components import register_extensions


def only(*components: str):
    """A blank English pipeline with just ``components`` (in order), so a test sees one
    component's work in isolation."""
    register_extensions()
    nlp = spacy.blank("en")
    for name in components:
        nlp.add_pipe(name)
    return nlp
