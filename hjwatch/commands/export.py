"""`hjwatch export`: placeholder until its issue lands."""

import click

from hjwatch import HjwatchError


@click.command(name="export")
def export():
    """Not yet available."""
    raise HjwatchError("`hjwatch export` is not yet available")
