"""`hjwatch search`: placeholder until its issue lands."""

import click

from hjwatch import HjwatchError


@click.command(name="search")
def search():
    """Not yet available."""
    raise HjwatchError("`hjwatch search` is not yet available")
