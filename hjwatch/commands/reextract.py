"""`hjwatch reextract`: placeholder until its issue lands."""

import click

from hjwatch import HjwatchError


@click.command(name="reextract")
def reextract():
    """Not yet available."""
    raise HjwatchError("`hjwatch reextract` is not yet available")
