"""`hjwatch export`: every stored document, one JSON object a line (or CSV)."""

from __future__ import annotations

import logging
import sys

import click

log = logging.getLogger("hjwatch.export")


@click.command()
@click.option("--jsonl", "fmt", flag_value="jsonl", default=True, help="One JSON object per line [default].")
@click.option("--csv", "fmt", flag_value="csv", help="CSV with a header row; lists joined by '; '.")
@click.option("--since", metavar="DATE", help="Only documents dated on or after DATE (YYYY-MM-DD).")
@click.pass_obj
def export(state, fmt, since):
    """Print every stored document with its extracted record (reviewer corrections applied).

    Fields: kind, source, url, title, published, fetched_at, then relevant, trusts, prisons,
    companies, buyers, values_gbp, durations_months, contract_start, contract_end,
    litigation, litigation_snippets, events, then id, relevance_score, revision, duplicate_of.

    Example:

        hjwatch --db research.db export --jsonl --since 2025-01-01 > records.jsonl

        hjwatch export --csv > records.csv
    """
    from hjwatch.db import open_existing
    from hjwatch.db.export import export_documents, parse_since, write_csv, write_jsonl

    since = parse_since(since)  # a bad date is reported before any output
    db = open_existing(state.config.db_path)
    docs = export_documents(db, since=since)
    n = write_csv(docs, sys.stdout) if fmt == "csv" else write_jsonl(docs, sys.stdout)
    sys.stdout.flush()
    log.info("exported %d document(s)", n)
