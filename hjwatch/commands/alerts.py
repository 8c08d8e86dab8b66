"""`hjwatch alerts`: send the digest of new matching records not yet sent."""

from __future__ import annotations

import json
import sys

import click

from hjwatch import HjwatchError


@click.command(name="alerts")
@click.option("--dry-run", is_flag=True, help="Print the digest(s) that would be sent; send and mark nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the alert report as JSON on stdout.")
@click.pass_obj
def alerts(state, dry_run: bool, as_json: bool):
    """Send one digest per recipient of new relevant records not yet alerted.

    Rules come from [[alerts.rules]] in hjwatch.toml (default: every new relevant
    record to [alerts] to). With smtp_host the digest goes by SMTP (user and
    password from HJWATCH_SMTP_USER / HJWATCH_SMTP_PASSWORD); without it, one .eml
    file per digest is written to the outbox folder. Records are marked as sent only
    after delivery, so a failed send is retried next time.

    Example:

        hjwatch alerts --dry-run
    """
    from hjwatch.commands.nightly import _print_preview
    from hjwatch.db import open_db
    from hjwatch.pipeline.alerts import send_pending
    from hjwatch.pipeline.lock import RunLock, lock_path_for

    config = state.config
    # The nightly job sends alerts too: the shared lock keeps the two from sending one record twice.
    with RunLock(lock_path_for(config.db_path), command="alerts"):
        db = open_db(config.db_path)
        report = send_pending(db, config, dry_run=dry_run)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, default=str) + "\n")
    elif dry_run:
        for msg in report.previews:
            _print_preview(msg)
    if state.verbosity >= 0:
        click.echo(report.summary(), err=True)
    if report.failures:
        raise HjwatchError(f"digest not sent ({'; '.join(report.failures)}); it will be retried next time")
