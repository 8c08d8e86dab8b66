"""`hjwatch review`: the review queue, corrections, acceptances and gazetteer aliases."""

from __future__ import annotations

import json
import logging
import sys

import click

from hjwatch.textio import write_json_lines

log = logging.getLogger("hjwatch.review")

# Record fields holding names, and the gazetteer label of each.
NAME_LABELS = {"trusts": "TRUST", "prisons": "PRISON", "companies": "COMPANY", "buyers": "BUYER"}


def _db(state):
    from hjwatch.db import open_existing

    return open_existing(state.config.db_path)


def _overlay(state) -> str:
    from hjwatch.pipeline.store import use_overlay_for

    return use_overlay_for(state.config.db_path)


@click.group(invoke_without_command=True)
@click.option("--limit", "-n", default=50, show_default=True, type=click.IntRange(1, 10000), help="Most records to list.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per record on stdout.")
@click.pass_context
def review(ctx, limit, as_json):
    """The review queue: records that need a human, and their corrections.

    With no subcommand, lists queued records (borderline relevance, unresolved names, values
    without context, conflicting extractions), newest first. Corrections are kept apart from
    extractions and win over any later `hjwatch reextract`.

    Example:

        hjwatch review

        hjwatch review set 42 prisons "HMP Fosse Way" --alias "Fosse Way jail"

        hjwatch review accept 42
    """
    if ctx.invoked_subcommand is not None:
        return
    from hjwatch.db import review_queue

    items = review_queue(_db(ctx.obj), limit=limit)
    if as_json:
        write_json_lines(items)
        return
    if not items:
        click.echo("the review queue is empty", err=True)
        return
    for item in items:
        score = "" if item["relevance_score"] is None else f" score={item['relevance_score']:.2f}"
        click.echo(f"{item['id']:>6}  {item['kind']:<6}  relevant={str(item['relevant']).lower()}{score}  "
                   f"{item['title'] or '(no title)'}")
        click.echo(f"        needs: {', '.join(item['reasons'])}")
        if item["unresolved"]:
            click.echo(f"        unresolved: {'; '.join(item['unresolved'])}")


@review.command()
@click.argument("doc_id", type=int)
@click.pass_obj
def show(state, doc_id):
    """Show one record: effective values, the extractor's, corrections and mentions (JSON)."""
    from hjwatch.db.review import review_detail

    sys.stdout.write(json.dumps(review_detail(_db(state), doc_id), ensure_ascii=False, indent=2) + "\n")


@review.command(name="set")
@click.argument("doc_id", type=int)
@click.argument("field")
@click.argument("value")
@click.option("--reviewer", metavar="NAME", help="Who made the correction.")
@click.option("--note", metavar="TEXT", help="Why (kept with the correction).")
@click.option("--alias", "aliases", multiple=True, metavar="TEXT",
              help="For a name field: also teach the extractor that TEXT means this name (gazetteer overlay).")
@click.pass_obj
def set_(state, doc_id, field, value, reviewer, note, aliases):
    """Correct FIELD of record DOC_ID to VALUE.

    Lists take '; '-separated values or a JSON list ('-' clears); booleans true/false;
    dates YYYY-MM-DD.

    Example:

        hjwatch review set 42 relevant true

        hjwatch review set 42 values_gbp "85000000; 236000000"
    """
    from hjwatch import InputError
    from hjwatch.db import set_field

    db = _db(state)
    if aliases:
        if field not in NAME_LABELS:
            raise InputError(f"--alias needs a name field ({', '.join(NAME_LABELS)}), not {field!r}")
        from hjwatch.db.records import parse_field_value

        names = parse_field_value(field, value)
        if len(names) != 1:
            raise InputError("--alias needs exactly one name as VALUE")
    record = set_field(db, doc_id, field, value, reviewer=reviewer, note=note)
    click.echo(f"{doc_id}: {field} = {json.dumps(record[field], ensure_ascii=False)}", err=True)
    if aliases:
        _append_alias(state, NAME_LABELS[field], record[field][0], list(aliases))


@review.command()
@click.argument("doc_id", type=int)
@click.option("--reviewer", metavar="NAME", help="Who checked it.")
@click.pass_obj
def accept(state, doc_id, reviewer):
    """Accept record DOC_ID as extracted: off the queue until its content changes."""
    from hjwatch.db import accept as run_accept

    run_accept(_db(state), doc_id, reviewer=reviewer)
    click.echo(f"{doc_id}: accepted", err=True)


@review.command()
@click.argument("label", type=click.Choice(["PRISON", "TRUST", "COMPANY", "BUYER"], case_sensitive=False))
@click.argument("name")
@click.argument("aliases", nargs=-1)
@click.pass_obj
def alias(state, label, name, aliases):
    """Add NAME (and ALIASES that mean it) to the local gazetteer overlay.

    The overlay is <db>.gazetteer.jsonl beside the database (or $HJWATCH_GAZETTEER_OVERLAY);
    run `hjwatch reextract --all` for stored records to use it.

    Example:

        hjwatch review alias PRISON "HMP Fosse Way" "Fosse Way prison"
    """
    _append_alias(state, label.upper(), name, list(aliases))


def _append_alias(state, label: str, name: str, aliases: list[str]) -> None:
    from hjwatch import HjwatchError

    try:
        from hjwatch.extractors.gazetteers import append_overlay
    except ImportError as exc:  # the names part not installed in this build
        raise HjwatchError(f"the gazetteer overlay is not available ({exc})") from None
    path = _overlay(state)
    entry = append_overlay(path, {"label": label, "name": name, "aliases": aliases})
    click.echo(f"gazetteer overlay {path}: {entry['label']} {entry['name']!r} "
               f"aliases {entry['aliases']}", err=True)
