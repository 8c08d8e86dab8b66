"""`hjwatch serve`: browse the database in Datasette with hjwatch's metadata and canned queries."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

import click


def metadata_for(db_path: str) -> str:
    """The shipped metadata.yml with its database key set to the file's stem (Datasette's name)."""
    text = resources.files("hjwatch.db").joinpath("datasette/metadata.yml").read_text(encoding="utf-8")
    stem = Path(db_path).stem
    return text.replace("\n  hjwatch:\n", f"\n  {stem}:\n", 1)


@click.command()
@click.option("--port", "-p", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.pass_obj
def serve(state, port, host):
    """Browse the database in Datasette (optional `web` extra).

    Adds titles, facets and canned queries: new relevant records this week, who provides
    healthcare at a prison over time, litigation mentions, contracts ending in the next 12
    months, notices per buyer.

    Example:

        pip install -e '.[web]' && hjwatch --db research.db serve
    """
    from hjwatch import HjwatchError
    from hjwatch.db import open_existing

    path = state.config.db_path
    open_existing(path).close()  # migrations applied, schema checked
    exe = shutil.which("datasette")
    if exe is None:
        raise HjwatchError("Datasette is not installed: pip install -e '.[web]'")
    meta = Path(tempfile.mkdtemp(prefix="hjwatch-serve-")) / "metadata.yml"
    meta.write_text(metadata_for(path), encoding="utf-8")
    args = [exe, "serve", str(path), "-m", str(meta), "--port", str(port), "--host", host]
    click.echo(f"datasette on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    sys.stdout.flush()
    os.execv(exe, args)
