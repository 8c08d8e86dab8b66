"""spaCy components of the hjwatch extractor, each registered with ``@Language.factory``.

``PIPELINE`` lists them in the order ``build_nlp()`` adds them: later components read what
earlier ones wrote (relevance reads entities and events, for example).
"""

from __future__ import annotations

from spacy.tokens import Doc

# Importing the modules registers their factories.
from hjwatch.extractors.components import (  # noqa: F401
    dates,
    events,
    gazetteer,
    litigation_context,
    money,
    relevance,
)

# No spaCy sentencizer: the components cut text into clauses themselves (``segments.py``,
# notice-label aware), and dropping it changed no output on 113 annotated documents while
# saving ~5% of the time.
PIPELINE: list[tuple[str, dict]] = [
    ("hj_gazetteer", {}),
    ("hj_money", {}),
    ("hj_dates", {}),  # durations and contract start/end
    ("hj_litigation", {}),
    ("hj_events", {}),
    ("hj_relevance", {}),
]

_DOC_EXTENSIONS = {
    "values_gbp": None,
    "durations_months": None,
    "contract_start": None,
    "contract_end": None,
    "litigation": False,
    "litigation_snippets": None,
    "events": None,
    "relevant": False,
    "relevance_score": None,
}


def register_extensions() -> None:
    """Declare the ``Doc._`` attributes the components fill (idempotent)."""
    for name, default in _DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
