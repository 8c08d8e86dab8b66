"""Configuration: defaults, [sources] semantics, overrides and one-line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hjwatch import InputError
from hjwatch.config import DEFAULT_SOURCES, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text):
    p = tmp_path / "hjwatch.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file_run_every_builtin_source():
    cfg = load_config(None, env={})
    assert set(cfg.sources) == set(DEFAULT_SOURCES)
    assert cfg.sources["fts"]["base_url"] == "https://www.find-tender.service.gov.uk"
    assert cfg.sources["contracts_finder"]["base_url"] == "https://www.contractsfinder.service.gov.uk"
    assert cfg.db_path == "hjwatch.db"


def test_sources_table_runs_exactly_the_named_sources(tmp_path):
    p = write(tmp_path, '[sources.fts]\nbase_url = "http://127.0.0.1:8000"\n')
    cfg = load_config(p, env={})
    assert list(cfg.sources) == ["fts"]
    assert cfg.sources["fts"]["base_url"] == "http://127.0.0.1:8000"


def test_a_named_source_keeps_defaults_for_keys_it_does_not_give(tmp_path):
    p = write(tmp_path, "[sources.contracts_finder]\n")
    cfg = load_config(p, env={})
    assert cfg.sources["contracts_finder"]["base_url"].startswith("https://www.contractsfinder")


def test_empty_list_turns_a_source_off(tmp_path):
    p = write(tmp_path, "[sources.pages]\nurls = []\n")
    assert load_config(p, env={}).sources["pages"]["urls"] == []


def test_db_flag_wins_over_environment(tmp_path):
    assert load_config(None, db="flag.db", env={"HJWATCH_DB": "env.db"}).db_path == "flag.db"
    assert load_config(None, env={"HJWATCH_DB": "env.db"}).db_path == "env.db"


def test_config_path_from_environment(tmp_path):
    p = write(tmp_path, '[crawl]\nsince = "2024-03-01"\n')
    cfg = load_config(None, env={"HJWATCH_CONFIG": str(p)})
    assert cfg.since == dt.date(2024, 3, 1)


def test_toml_date_literal_is_accepted(tmp_path):
    p = write(tmp_path, "[crawl]\nsince = 2024-03-01\n")
    assert load_config(p, env={}).since == dt.date(2024, 3, 1)


def test_scrapy_overrides_are_kept(tmp_path):
    p = write(tmp_path, "[scrapy]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n")
    assert load_config(p, env={}).scrapy == {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


@pytest.mark.parametrize(
    "text, message",
    [
        ("[sources\n", "not valid TOML"),
        ('[crawl]\nsince = "last tuesday"\n', "since must be a date"),
        ("sources = 3\n", "[sources] must be a table"),
        ('[alerts]\nsmtp_password = "hunter2"\n', "environment"),
    ],
)
def test_bad_config_is_a_one_line_input_error(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_config(p, env={})
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert "hunter2" not in str(err.value)


def test_missing_and_binary_config_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})
    b = tmp_path / "bin.toml"
    b.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InputError):
        load_config(b, env={})


def test_smtp_credentials_come_from_the_environment_only(tmp_path):
    cfg = load_config(None, env={})
    assert cfg.smtp_credentials({"HJWATCH_SMTP_USER": "u", "HJWATCH_SMTP_PASSWORD": "p"}) == ("u", "p")
    assert cfg.smtp_credentials({}) == (None, None)


def test_example_config_in_the_repository_loads():
    cfg = load_config(ROOT / "hjwatch.example.toml", env={})
    assert set(cfg.sources) == {"fts", "contracts_finder"}
    assert cfg.alerts["to"] == ["research@example.org"]
