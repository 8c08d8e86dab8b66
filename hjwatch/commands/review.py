"""`hjwatch review`: placeholder until its issue lands."""

import click

from hjwatch import HjwatchError


@click.command(name="review")
def review():
    """Not yet available."""
    raise HjwatchError("`hjwatch review` is not yet available")
