"""`hjwatch search`: full-text search over stored documents."""

from __future__ import annotations

import sys

import click

from hjwatch.textio import write_json_lines


@click.command()
@click.argument("query")
@click.option("--kind", type=click.Choice(["notice", "news"]), help="Only notices or only news.")
@click.option("--since", metavar="DATE", help="Only documents dated on or after DATE (YYYY-MM-DD).")
@click.option("--prison", metavar="NAME", help="Only records naming this prison (part of its name).")
@click.option("--trust", metavar="NAME", help="Only records naming this NHS trust (part of its name).")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 1000), help="Most results to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result on stdout.")
@click.pass_obj
def search(state, query, kind, since, prison, trust, limit, as_json):
    """Search titles and texts of stored notices and news, best matches first.

    QUERY is words (all required), "a phrase", word* (prefix), OR / NOT, NEAR(a b) or
    title:word; anything else is searched for as plain words.

    Example:

        hjwatch search "prison healthcare" --kind notice --since 2025-01-01

        hjwatch search belmarsh --trust oxleas --json
    """
    from hjwatch.db import open_existing, search as run_search

    db = open_existing(state.config.db_path)
    # Bold on a terminal; brackets where the output is read by a program or another person.
    marks = ("\x1b[1m", "\x1b[0m") if sys.stdout.isatty() and not as_json else ("[", "]")
    results = run_search(db, query, kind=kind, since=since, prison=prison, trust=trust, limit=limit, marks=marks)
    if as_json:
        write_json_lines(results)
        return
    if not results:
        click.echo("no matches", err=True)
        return
    for row in results:
        date = row["published"] or (row["fetched_at"] or "")[:10] or "undated"
        click.echo(f"{row['id']:>6}  {date}  {row['kind']:<6}  {row['source']}  {row['title'] or '(no title)'}")
        click.echo(f"        {row['url'] or ''}")
        snippet = " ".join((row["snippet"] or "").split())
        if snippet:
            click.echo(f"        {snippet}")
