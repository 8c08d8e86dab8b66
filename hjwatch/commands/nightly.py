"""`hjwatch nightly`: the cron job (lock, crawl every source, extract, store, send the digest)."""

from __future__ import annotations

import json
import sys

import click

from hjwatch import HjwatchError


@click.command(name="nightly")
@click.option("--dry-run", is_flag=True,
              help="Crawl and extract into a throwaway copy of the database; print the digest, store and send nothing.")
@click.option("--quiet", is_flag=True, help="Plain log lines instead of live progress (the default when not on a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON on stdout.")
@click.pass_obj
def nightly(state, dry_run: bool, quiet: bool, as_json: bool):
    """Crawl every configured source incrementally, store what is new, email one digest.

    Safe to re-run and to kill: a lock stops overlapping runs (a killed run's lock is taken
    over), each source resumes where its last run stopped, and records are marked as sent
    only once the mail server (or the outbox) has the digest. One failing source does not
    stop the others; the exit status is 1 when any source or the delivery failed, and the
    digest names the failed sources.

    Example:

        hjwatch --db /var/lib/hjwatch/hjwatch.db nightly --quiet
    """
    from hjwatch.pipeline.nightly import run

    report = run(state.config, dry_run=dry_run, quiet=quiet or state.verbosity < 0)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, default=str) + "\n")
    elif dry_run and report.alerts is not None:
        for msg in report.alerts.previews:
            _print_preview(msg)
    if state.verbosity >= 0:  # -q (cron): a good night prints nothing, so cron mails nothing
        click.echo(report.summary(), err=True)
    if report.exit_code:
        failed = "; ".join(f"{name} ({_short(reason)})" for name, reason in sorted(report.failed_sources.items())) or "none"
        raise HjwatchError(f"nightly run {report.status}: failed sources: {failed}"
                           + (f"; alerts: {report.alert_error}" if report.alert_error else "")
                           + (f"; delivery: {'; '.join(report.alerts.failures)}"
                              if report.alerts and report.alerts.failures else ""))


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_preview(msg) -> None:
    """A dry run's digest on stdout: headers and the text part."""
    for header in ("From", "To", "Subject"):
        sys.stdout.write(f"{header}: {msg[header]}\n")
    sys.stdout.write("\n" + msg.get_body(("plain",)).get_content() + "\n")
