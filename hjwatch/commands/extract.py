"""`hjwatch extract`: run the extractor on files, no database needed."""

from __future__ import annotations

import json
import logging
import sys

import click

from hjwatch.textio import InputFileError, read_text_input

log = logging.getLogger("hjwatch.extract")


@click.command()
@click.option("--jsonl", is_flag=True, help="One JSON object per line (default: indented JSON).")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
def extract(jsonl: bool, paths: tuple[str, ...]):
    """Extract trusts, prisons, companies, values, events and litigation from text or HTML files.

    Prints one JSON object per input to stdout (``-`` reads stdin). A file that cannot be
    read is reported on stderr and skipped; the others are still processed, and the exit
    status is 2 if any input failed.

    Example:

        hjwatch extract --jsonl notices/*.txt > records.jsonl
    """
    from hjwatch.extractors import extract as run_extractor

    failed = 0
    for path in paths:
        try:
            text, warnings = read_text_input(path)
        except InputFileError as exc:
            click.echo(f"hjwatch: error: {exc}", err=True)
            failed += 1
            continue
        for warning in warnings:
            log.warning("%s", warning)
        record = {"path": path, **run_extractor(text)}
        record.pop("text", None)
        record.pop("relevance_score", None)
        out = json.dumps(record, ensure_ascii=False) if jsonl else json.dumps(record, ensure_ascii=False, indent=2)
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    if failed:
        raise SystemExit(2)
