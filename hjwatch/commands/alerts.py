"""`hjwatch alerts`: placeholder until its issue lands."""

import click

from hjwatch import HjwatchError


@click.command(name="alerts")
def alerts():
    """Not yet available."""
    raise HjwatchError("`hjwatch alerts` is not yet available")
