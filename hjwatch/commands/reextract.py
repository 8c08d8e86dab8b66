"""`hjwatch reextract`: re-run the current extractor over stored documents, no network."""

from __future__ import annotations

import logging
import sys
import time

import click

log = logging.getLogger("hjwatch.reextract")


@click.command()
@click.option("--all", "all_documents", is_flag=True,
              help="Every document, not only those extracted by an older extractor version.")
@click.option("--from-raw", is_flag=True,
              help="Derive the text again from the stored raw body (HTML or release JSON) first.")
@click.pass_obj
def reextract(state, all_documents, from_raw):
    """Re-extract stored documents with the current extractor (offline).

    By default only documents whose extraction is from an older extractor version (or
    failed) are redone. Reviewer corrections still win afterwards. Progress goes to stderr.

    Example:

        hjwatch --db research.db reextract

        hjwatch reextract --all --from-raw
    """
    from hjwatch import HjwatchError
    from hjwatch.db import open_existing
    from hjwatch.pipeline.reextract import reextract as run
    from hjwatch.pipeline.store import use_overlay_for

    path = state.config.db_path
    db = open_existing(path)
    use_overlay_for(path)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] > 1.0:
            last[0] = now
            sys.stderr.write(f"\rreextract: {done}/{total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    report = run(db, all_documents=all_documents, from_raw=from_raw, progress=progress)
    log.info("re-extracted %d document(s), %d failed, %d text(s) re-derived",
             report.done, report.failed, report.text_changed)
    if report.done == 0 and report.failed == 0:
        log.info("nothing to do: every document is extracted by the current version (use --all to redo)")
    if report.failed:
        raise HjwatchError(f"{report.failed} document(s) could not be re-extracted (first: {report.errors[0]})")
