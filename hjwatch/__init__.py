"""hjwatch: watch the market for healthcare in prisons and other secure settings.

The package is assembled from the repository's top-level folders (see pyproject.toml):

- ``hjwatch.spiders``    Scrapy spiders that fetch notices and articles (``spiders/``)
- ``hjwatch.extractors`` text extraction and the spaCy extractor (``extractors/``)
- ``hjwatch.db``         the SQLite store (``db/``)
- ``hjwatch.pipeline``   storage pipeline, nightly job and alerts (``pipeline/``)

``hjwatch.cli`` and ``hjwatch.config`` are the thin command-line layer on top.
"""

__version__ = "0.1.0"


class HjwatchError(Exception):
    """An error the user can act on; the CLI prints its message as one line, no traceback.

    ``exit_code`` is 1 for a failed operation and 2 for bad input or usage.
    """

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(HjwatchError):
    """Bad input from the user (a missing file, a malformed config, an unknown source)."""

    exit_code = 2
