"""Configuration: ``hjwatch.toml`` (or ``$HJWATCH_CONFIG``) plus environment overrides.

Built-in defaults point at the real public sources, so ``hjwatch nightly`` works with no file.
When the file has a ``[sources]`` table, exactly the sources it names run; each key given there
replaces the default of that key (see CONTRACT.md).

Example::

    >>> cfg = load_config(None, env={})
    >>> sorted(cfg.sources)
    ['contracts_finder', 'fts', 'news', 'pages']
    >>> cfg.db_path
    'hjwatch.db'
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from hjwatch import InputError

DEFAULT_DB = "hjwatch.db"
CONFIG_FILE = "hjwatch.toml"
USER_AGENT = "hjwatch/0.1 (+https://github.com/hjwatch/hjwatch; prison healthcare market research)"

# Each source's defaults. The news/pages lists are owned by the news spiders (issue 6) and
# documented in the README; every URL here is a real public source.
DEFAULT_SOURCES: dict[str, dict[str, Any]] = {
    "fts": {"base_url": "https://www.find-tender.service.gov.uk"},
    "contracts_finder": {"base_url": "https://www.contractsfinder.service.gov.uk"},
    # Each URL below was checked to exist in a recorded copy (see the README's "News sources").
    "news": {"feeds": [
        "https://www.england.nhs.uk/feed/",                    # NHS England news (WordPress RSS 2.0)
        "https://feeds.bbci.co.uk/news/health/rss.xml",        # BBC News - Health
        "https://feeds.bbci.co.uk/news/england/rss.xml",       # BBC News - England (regional stories)
        # GOV.UK site search as Atom: announcements from MoJ, HMPPS, DHSC, NHS England on the topic
        "https://www.gov.uk/search/news-and-communications.atom?keywords=prison%20healthcare",
    ]},
    "pages": {"urls": [
        "https://www.england.nhs.uk/commissioning/health-just/",                        # NHS England Health and Justice
        "https://www.england.nhs.uk/south/team/direct-commissioning/health-and-justice/",  # NHS England South West H&J
        "https://scwcsu.nhs.uk/case-studies",                  # SCW commissioning support unit case studies
        "https://www.hcsa.com/news",                           # HCSA (hospital doctors' union) news list
        "https://insidetime.org/",                             # Inside Time, the prisoners' newspaper
    ]},
}

DEFAULT_ALERTS: dict[str, Any] = {
    "smtp_host": None,
    "smtp_port": 25,
    "outbox": "outbox",
    "to": [],
    "from": "hjwatch@localhost",
    "rules": [],
}

DEFAULT_SINCE = "2025-01-01"


@dataclass
class Config:
    """The effective configuration of one hjwatch invocation."""

    path: Path | None = None
    db_path: str = DEFAULT_DB
    sources: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_SOURCES))
    alerts: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_ALERTS))
    crawl: dict[str, Any] = field(default_factory=lambda: {"since": DEFAULT_SINCE})
    scrapy: dict[str, Any] = field(default_factory=dict)
    user_agent: str = USER_AGENT
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def since(self) -> dt.date:
        """``[crawl] since`` as a date: how far back the first run of each source looks."""
        value = self.crawl.get("since", DEFAULT_SINCE)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError(f"config: [crawl] since must be a date like 2025-01-01, not {value!r}")

    def smtp_credentials(self, env: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
        """SMTP user and password, from the environment only (never the config file)."""
        env = os.environ if env is None else env
        return env.get("HJWATCH_SMTP_USER") or None, env.get("HJWATCH_SMTP_PASSWORD") or None


def config_path(explicit: str | os.PathLike | None, env: Mapping[str, str]) -> Path | None:
    """The config file to read: ``--config``, else ``$HJWATCH_CONFIG``, else ./hjwatch.toml if present."""
    if explicit:
        return Path(explicit)
    if env.get("HJWATCH_CONFIG"):
        return Path(env["HJWATCH_CONFIG"])
    local = Path(CONFIG_FILE)
    return local if local.is_file() else None


def load_config(
    path: str | os.PathLike | None = None,
    *,
    db: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Read the config file (if any) and apply ``--db`` / ``$HJWATCH_DB`` (the flag wins).

    Raises :class:`InputError` with a one-line message for a missing or malformed file.
    """
    env = os.environ if env is None else env
    cfg = Config()
    p = config_path(path, env)
    if p is not None:
        cfg.path = p
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"config file not found: {p}")
        except IsADirectoryError:
            raise InputError(f"config path is a directory: {p}")
        except UnicodeDecodeError:
            raise InputError(f"config file is not UTF-8 text: {p}")
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"config file {p} is not valid TOML: {exc}")
        except OSError as exc:
            raise InputError(f"cannot read config file {p}: {exc.strerror or exc}")
        _apply(cfg, raw, p)
    cfg.db_path = db or env.get("HJWATCH_DB") or cfg.raw.get("db") or DEFAULT_DB
    return cfg


def _table(raw: dict, key: str, p: Path) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"config file {p}: [{key}] must be a table")
    return value


def _apply(cfg: Config, raw: dict, p: Path) -> None:
    cfg.raw = raw
    if "sources" in raw:
        sources = _table(raw, "sources", p)
        cfg.sources = {}
        for name, table in sources.items():
            if not isinstance(table, dict):
                raise InputError(f"config file {p}: [sources.{name}] must be a table")
            merged = copy.deepcopy(DEFAULT_SOURCES.get(name, {}))
            merged.update(table)
            cfg.sources[name] = merged
    alerts = _table(raw, "alerts", p)
    for secret in ("smtp_user", "smtp_password", "password", "user"):
        if secret in alerts:
            raise InputError(
                f"config file {p}: [alerts] {secret} is not read from the config file; "
                "set HJWATCH_SMTP_USER / HJWATCH_SMTP_PASSWORD in the environment"
            )
    cfg.alerts.update(alerts)
    if isinstance(cfg.alerts.get("to"), str):
        cfg.alerts["to"] = [cfg.alerts["to"]]
    cfg.crawl.update(_table(raw, "crawl", p))
    cfg.scrapy.update(_table(raw, "scrapy", p))
    if "user_agent" in cfg.crawl:
        cfg.user_agent = str(cfg.crawl["user_agent"])
    cfg.since  # validate early: a bad date is a config error, not a crawl failure
