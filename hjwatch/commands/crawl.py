"""`hjwatch crawl`: placeholder until its issue lands."""

import click

from hjwatch import HjwatchError


@click.command(name="crawl")
def crawl():
    """Not yet available."""
    raise HjwatchError("`hjwatch crawl` is not yet available")
