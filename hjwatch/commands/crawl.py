"""`hjwatch crawl`: run the spiders of the configured sources and store what they find."""

from __future__ import annotations

import json
import sys

import click

from hjwatch import HjwatchError


@click.command(name="crawl")
@click.argument("sources", nargs=-1, metavar="[SOURCE...]")
@click.option("--since", metavar="DATE",
              help="Backfill from this date (YYYY-MM-DD) whatever the stored cursor says.")
@click.option("--dry-run", is_flag=True,
              help="Fetch nothing: print how long the crawl would take at the configured politeness.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.pass_obj
def crawl(state, sources: tuple[str, ...], since: str | None, dry_run: bool, as_json: bool):
    """Crawl SOURCE... (default: every configured source) and store new and changed documents.

    Sources: fts (Find a Tender), contracts_finder (Contracts Finder), news, pages. Each
    resumes from where its last complete run stopped; the first run starts at [crawl] since.
    Prints one summary line per source; exits 1 if a source could not be read (its API
    pages, feeds or watched pages failed). Articles that could not be fetched are logged
    and counted in "errors" but do not fail the crawl. Scrapy's own log lines appear with
    -v (INFO) or -vv (DEBUG).

    Example:

        hjwatch crawl fts --since 2025-06-01

        hjwatch crawl --dry-run --since 2025-01-01
    """
    from hjwatch.pipeline.crawl import describe_estimate, run_crawl

    report = run_crawl(state.config, list(sources) or None, since=since, dry_run=dry_run, record_run=True)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    elif dry_run:
        for est in report.estimates.values():
            click.echo(describe_estimate(est))
        total = sum(e.get("seconds", 0) for e in report.estimates.values())
        if len(report.estimates) > 1:
            from hjwatch.pipeline.crawl import format_duration

            # Sources run side by side, so the crawl takes as long as the slowest one.
            slowest = max((e.get("seconds", 0) for e in report.estimates.values()), default=0)
            click.echo(f"all sources run in parallel: about {format_duration(slowest)} "
                       f"({format_duration(total)} of requests in all)")
    else:
        for name, counts in report.per_source.items():
            line = ", ".join(f"{k} {v}" for k, v in counts.items())
            click.echo(f"{name}: {line}")
    if report.failures:
        first = next(iter(report.failures.items()))
        more = f" (and {len(report.failures) - 1} more source(s))" if len(report.failures) > 1 else ""
        # Wording kept for scripts that match it; the rule is pipeline/failure_policy.py.
        raise HjwatchError(f"crawl of {first[0]} had errors: {first[1]}{more}")
