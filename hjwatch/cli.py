"""The ``hjwatch`` command line: a thin layer over the library.

Each command lives in ``hjwatch/commands/<name>.py`` and calls one function of
``pipeline``, ``db`` or ``extractors``. This module holds what they share: the global
options (``--db``, ``--config``, ``-v``/``-q``), logging to stderr, and the rule that a
user sees a one-line error, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

import click

from hjwatch import HjwatchError, __version__
from hjwatch.config import Config, load_config

log = logging.getLogger("hjwatch")


@dataclass
class State:
    """What the global options decided; commands get it with ``@click.pass_obj``."""

    db: str | None = None
    config_path: str | None = None
    verbosity: int = 0
    debug: bool = False
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        """The loaded configuration (read once, on first use, so ``extract`` needs none)."""
        if self._config is None:
            self._config = load_config(self.config_path, db=self.db)
        return self._config


def setup_logging(verbosity: int) -> None:
    """Logs go to stderr: machine output (extract, export, search --json) keeps stdout alone."""
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_hjwatch", False):
            root.removeHandler(h)
    handler._hjwatch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter stays at WARNING unless -vv.
    for noisy in ("scrapy", "twisted", "filelock", "urllib3", "trafilatura", "htmldate", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity > 1 else logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hjwatch")
@click.option("--db", "db", metavar="PATH", envvar="HJWATCH_DB",
              help="SQLite database file [default: ./hjwatch.db; env HJWATCH_DB].")
@click.option("--config", "config_path", metavar="PATH", envvar="HJWATCH_CONFIG",
              help="Config file [default: ./hjwatch.toml if present; env HJWATCH_CONFIG].")
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for library debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, db, config_path, verbose, quiet, debug):
    """hjwatch watches the market for healthcare in prisons and other secure settings.

    It crawls Find a Tender, Contracts Finder, news feeds and watched pages, extracts
    trusts, prisons, providers, buyers, values, dates, events and litigation, stores
    everything in SQLite and emails a digest of new contract news.

    Example:

        hjwatch extract notice.txt

        hjwatch --db research.db nightly
    """
    ctx.obj = State(db=db, config_path=config_path, verbosity=-1 if quiet else verbose, debug=debug)
    setup_logging(ctx.obj.verbosity)
    if ctx.invoked_subcommand not in NO_CONFIG_COMMANDS:
        ctx.obj.config  # a malformed config file is reported before any work starts


# Commands that read no configuration (they work on files alone).
NO_CONFIG_COMMANDS = {"extract", None}


def _register() -> None:
    from hjwatch.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and turn every failure into one line on stderr."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="hjwatch", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors: click formats them itself
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("hjwatch: aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("hjwatch: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # `hjwatch export | head`: the reader left; not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except HjwatchError as exc:
        if debug:
            raise
        click.echo(f"hjwatch: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback to the user
        if debug:
            raise
        log.debug("unexpected error", exc_info=True)
        click.echo(f"hjwatch: error: {type(exc).__name__}: {one_line(str(exc))} (run with --debug for details)", err=True)
        sys.exit(1)
    sys.exit(0)


def one_line(text: str, limit: int = 300) -> str:
    """Collapse a message to one line of at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":  # pragma: no cover
    main()
