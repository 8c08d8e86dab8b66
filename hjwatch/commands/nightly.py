"""`hjwatch nightly`: placeholder until its issue lands."""

import click

from hjwatch import HjwatchError


@click.command(name="nightly")
def nightly():
    """Not yet available."""
    raise HjwatchError("`hjwatch nightly` is not yet available")
